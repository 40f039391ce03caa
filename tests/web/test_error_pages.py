"""Error pages speak the page's language: what is wrong with each field in Chinese, the kind of
thing not found by its Chinese name, and no error code or raw type names in the text."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from flexcover.kit.problems import Forbidden, NotFound
from tests.web.conftest import app_on, log_in

pytestmark = pytest.mark.database


@pytest.fixture
def app(settings, database):
    return app_on(date(2026, 11, 15), settings, database)


def text_of(page: str) -> str:
    main = page.split("<main")[1].split("</main>")[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def test_a_bad_query_is_explained_field_by_field_in_chinese(client, factory):
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    page = client.get("/staff/tasks?page=0&priority=x")
    assert page.status_code == 422
    said = text_of(page.text)
    assert "页码：应不小于 1" in said
    assert "优先级：格式不正确" in said
    assert "validation_failed" not in said
    assert not re.search(r"\b(Input|should|greater)\b", said)  # no framework English


def test_the_api_explains_in_english_unless_asked_for_chinese(client, factory):
    user = factory.user("district_officer", "500103", username="officer")
    token = factory.token(user)
    headers = {"Authorization": f"Bearer {token}"}
    english = client.get("/api/v1/people?page=0", headers=headers).json()
    assert english["errors"][0]["detail"] == "must be at least 1"
    chinese = client.get("/api/v1/people?page=0", headers={**headers, "Accept-Language": "zh-CN"})
    assert chinese.json()["errors"][0]["detail"] == "应不小于 1"
    assert chinese.json()["code"] == "validation_failed"  # codes stay in the API, for programs


def test_what_was_not_found_and_whose_role_is_refused_read_in_chinese():
    assert NotFound(what="expansion task", key="9").message("zh-CN") == "未找到扩面任务“9”。"
    assert (
        NotFound(what="expansion task", key="9").message("en") == "No expansion task '9' was found."
    )
    refused = Forbidden(role="district_officer", action="coverage.compare").message("zh-CN")
    assert "district_officer" not in refused
    assert "区县经办" in refused
