"""The same calculators through the Python API, the CLI and HTTP, with the same schemas."""

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from flexcover.cli import app as cli
from flexcover.rules.service import CALCULATORS
from flexcover.web.app import create_app

CHONGQING_FLOOR = {"jurisdiction": "500000", "month": "2025-08", "base_yuan": "4404.00"}
runner = CliRunner()


@pytest.fixture
def client(settings, database):
    with TestClient(create_app(settings, database)) as client:
        yield client


def test_http_contribution_at_the_chongqing_floor(client):
    response = client.post("/api/v1/calc/contribution", json=CHONGQING_FLOOR)
    assert response.status_code == 200, response.text
    body = response.json()
    pension = body["schemes"][0]
    assert pension == {
        "scheme": "employee_pension",
        "base_fen": 440400,
        "base_yuan": "4404.00",
        "amount_fen": 88080,
        "amount_yuan": "880.80",
        "personal_account_fen": 35232,
        "personal_account_yuan": "352.32",
        "pooled_fund_fen": 52848,
        "pooled_fund_yuan": "528.48",
    }
    assert body["total_fen"] == 88080
    sources = {p["key"]: p for p in body["explain"]["parameters"]}
    assert sources["contribution_base.floor_yuan"]["source"].startswith("渝人社规〔2025〕20号")


def test_http_refusals_say_what_is_allowed(client):
    low = client.post("/api/v1/calc/contribution", json=dict(CHONGQING_FLOOR, base_yuan="100"))
    assert low.status_code == 400
    assert low.headers["content-type"] == "application/problem+json"
    assert low.json()["code"] == "base_out_of_range"
    assert "4404.00–22017.00" in low.json()["detail"]
    old = client.post("/api/v1/calc/contribution", json=dict(CHONGQING_FLOOR, month="2019-03"))
    assert old.status_code == 422
    assert old.json()["pointer"] == "/month"
    nowhere = client.post(
        "/api/v1/calc/contribution", json=dict(CHONGQING_FLOOR, jurisdiction="509999")
    )
    assert nowhere.json()["code"] == "unknown_jurisdiction"
    future = client.post(
        "/api/v1/calc/retirement",
        json={"gender": "male", "original_retirement_age": 60, "birth_month": "2099-01"},
    )
    assert future.status_code == 400
    assert future.json()["pointer"] == "/birth_month"
    negative = client.post(
        "/api/v1/calc/resident_pension",
        json={"jurisdiction": "500000", "year": 2024, "account_balance_yuan": "-5"},
    )
    assert negative.json()["pointer"] == "/account_balance_yuan"


def test_http_retirement_fields(client):
    body = client.post(
        "/api/v1/calc/retirement",
        json={"gender": "female", "original_retirement_age": 55, "birth_month": "1975-06"},
    ).json()
    assert {
        k: body[k]
        for k in (
            "delay_months",
            "statutory_age_years",
            "statutory_age_months",
            "retirement_month",
            "minimum_contribution_months",
            "earliest_retirement_month",
        )
    } == {
        "delay_months": 17,
        "statutory_age_years": 56,
        "statutory_age_months": 5,
        "retirement_month": "2031-11",
        "minimum_contribution_months": 192,
        "earliest_retirement_month": "2030-06",
    }


def test_http_pension_and_divisor(client):
    body = client.post(
        "/api/v1/calc/pension",
        json={
            "jurisdiction": "110000",
            "retirement_month": "2025-08",
            "age_years": 60,
            "age_months": 0,
            "contribution_months": 240,
            "deemed_months": 0,
            "average_index": "0.60",
            "account_balance_yuan": "100000.00",
        },
    ).json()
    assert (body["basic_fen"], body["account_fen"], body["total_fen"], body["divisor"]) == (
        192784,
        71942,
        264726,
        "139.0",
    )
    assert (
        client.post("/api/v1/calc/divisor", json={"age_years": 60, "age_months": 4}).json()[
            "divisor"
        ]
        == "136.7"
    )


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_every_calculator_is_served_and_documented(client, name):
    spec = client.get("/api/v1/openapi.json").json()
    assert f"/api/v1/calc/{name}" in spec["paths"]


def test_cli_reads_stdin_and_prints_the_same_json(client):
    result = runner.invoke(
        cli, ["calc", "contribution", "--input", "-"], input=json.dumps(CHONGQING_FLOOR)
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    served = client.post("/api/v1/calc/contribution", json=CHONGQING_FLOOR).json()
    assert printed == served


def test_cli_refusals_are_one_line_with_exit_2(tmp_path):
    low = runner.invoke(
        cli,
        ["calc", "contribution", "--input", "-"],
        input=json.dumps(dict(CHONGQING_FLOOR, base_yuan="100")),
    )
    assert low.exit_code == 2
    assert low.stderr.startswith("error: base_yuan:")
    garbage = runner.invoke(cli, ["calc", "contribution", "--input", "-"], input="{not json")
    assert garbage.exit_code == 2
    unknown = runner.invoke(cli, ["calc", "nonsense", "--input", "-"], input="{}")
    assert unknown.exit_code == 2
    missing = runner.invoke(cli, ["calc", "divisor", "--input", "-"], input="{}")
    assert missing.exit_code == 2
    assert "age_years" in missing.stderr


def test_rules_show_prints_values_with_sources():
    result = runner.invoke(
        cli, ["rules", "show", "500000", "--on", "2025-08-01"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "contribution_base.floor_yuan" in result.output
    assert "4404.00" in result.output
    assert "渝人社规〔2025〕20号" in result.output


def test_rules_show_with_a_reform_and_with_a_broken_reform(tmp_path):
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        'jurisdiction: "500000"\nname: 重庆市\nparameters:\n  pension.rate:\n'
        '    - value: "0.16"\n      effective_from: 2025-01-01\n'
        "      source: reform scenario\n      confidence: U\n",
        encoding="utf-8",
    )
    shown = runner.invoke(
        cli,
        ["rules", "show", "500000", "--on", "2025-08-01", "--override", str(reform)],
        env={"COLUMNS": "250"},
    )
    assert "0.16" in shown.output
    calc = runner.invoke(
        cli,
        ["calc", "contribution", "--input", "-", "--override", str(reform)],
        input=json.dumps(CHONGQING_FLOOR),
    )
    assert json.loads(calc.stdout)["total_fen"] == 70464  # 4,404 × 16 %
    reform.write_text(
        reform.read_text(encoding="utf-8").replace('"0.16"', '"lots"'), encoding="utf-8"
    )
    broken = runner.invoke(cli, ["rules", "show", "500000", "--override", str(reform)])
    assert broken.exit_code == 2
    assert "reform.yaml: pension.rate[0]" in broken.stderr


def test_rules_show_refuses_unknown_jurisdictions_and_dates():
    assert runner.invoke(cli, ["rules", "show", "999999"]).exit_code == 2
    assert runner.invoke(cli, ["rules", "show", "500000", "--on", "2025-13-01"]).exit_code == 2


def test_rules_show_as_json_marks_values_carried_forward():
    result = runner.invoke(cli, ["rules", "show", "500103", "--on", "2027-02-01", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    by_key = {p["key"]: p for p in shown["parameters"]}
    floor = by_key["contribution_base.floor_yuan"]
    assert (floor["value"], floor["carried_forward"]) == ("4553.00", True)
    assert by_key["pension.rate"]["carried_forward"] is False


def test_a_wrong_calculator_name_is_refused_before_reading_input():
    # No input at all: a command that read stdin first would wait; this one answers at once.
    unknown = runner.invoke(cli, ["calc", "nonsense", "--input", "-"], input=None)
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: name:")
    assert unknown.stderr.count("name:") == 1


def test_cli_errors_name_the_field_once():
    result = runner.invoke(cli, ["rules", "show", "500000", "--on", "2020-13-40"])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("error: on: ")
    assert "on: on:" not in line
