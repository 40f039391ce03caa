from flexcover.kit.problems import (
    Forbidden,
    InvalidMonth,
    NotFound,
    ValidationFailed,
    choose_language,
)


def test_problem_json_has_rfc9457_members_a_code_and_a_pointer():
    body = InvalidMonth(field="month", value="2025-13").to_dict("en", instance="/api/v1/x")
    assert body["type"] == "/problems/invalid-month"
    assert body["status"] == 400
    assert body["code"] == "invalid_month"
    assert body["pointer"] == "/month"
    assert body["instance"] == "/api/v1/x"
    assert "2025-13" in body["detail"]
    assert body["errors"][0]["pointer"] == "/month"


def test_messages_in_chinese_and_english():
    problem = NotFound(field="person_id", what="person", key=7)
    assert problem.to_dict("zh-CN")["title"] == "未找到"
    assert problem.to_dict("en")["title"] == "Not found"


def test_nested_fields_become_json_pointers():
    assert InvalidMonth(field="3.month", value="x").pointer == "/3/month"
    assert InvalidMonth(field="a/b", value="x").pointer == "/a~1b"


def test_validation_failures_list_every_field():
    problem = ValidationFailed(
        [{"field": "id_number", "message": "missing"}, {"field": "name", "message": "too long"}]
    )
    body = problem.to_dict("en")
    assert body["status"] == 422
    assert [error["pointer"] for error in body["errors"]] == ["/id_number", "/name"]


def test_forbidden_names_role_and_action_but_not_where_the_target_is():
    detail = Forbidden(role="district_officer", action="person.read").message("en")
    assert "District officer" in detail  # the role in words, in the reader's language
    assert "person.read" in detail
    assert "区县经办" in Forbidden(role="district_officer", action="person.read").message("zh-CN")


def test_language_negotiation():
    assert choose_language(None, default="zh-CN") == "zh-CN"
    assert choose_language(None, default="en") == "en"
    assert choose_language("en-US,en;q=0.9", default="zh-CN") == "en"
    assert choose_language("zh-CN,zh;q=0.9,en;q=0.8", default="en") == "zh-CN"
    assert choose_language("fr-FR, en;q=0.5", default="zh-CN") == "en"
    assert choose_language("fr-FR", default="zh-CN") == "zh-CN"
    assert choose_language("en;q=0.2, zh;q=0.8", default="en") == "zh-CN"
    assert choose_language("en;q=0", default="zh-CN") == "zh-CN"
