"""The message catalogs: every key the code and the templates use is translated in zh-CN and
English, the two catalogs name the same keys with the same placeholders, plural forms follow each
language's rule, and the Chinese catalog holds no English left untranslated."""

from __future__ import annotations

import io
import re
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from flexcover.contributions.lifecycle import EnrolmentStatus
from flexcover.contributions.models import SCHEMES
from flexcover.coverage.canonical import SOURCE_TYPES
from flexcover.coverage.models import RunStatus
from flexcover.coverage.repository import STATUS_GROUPS
from flexcover.coverage.run_pages import ENGINES
from flexcover.injury.lifecycle import ClaimAction
from flexcover.injury.models import ClaimStatus
from flexcover.injury.pages import ITEMS
from flexcover.kit.i18n import LOCALES, catalog_path, translate, translate_plural
from flexcover.registry.authz import ROLE_REGION_LEVELS
from flexcover.rules.injury import INDUSTRIES

SOURCE = Path(__file__).resolve().parents[2] / "src" / "flexcover"
KEYWORDS = {"translate": None, "translate_plural": (1, 2), "t": None, "tn": (1, 2)}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

DYNAMIC = {
    "scheme.": SCHEMES,
    "status.": (*EnrolmentStatus, "open", "paid", "arrears", "gap", "not_billed"),
    "runs.status.": tuple(RunStatus),
    "runs.engine.": ENGINES,
    "role.": tuple(ROLE_REGION_LEVELS),
    "subsidy.": ("difficulty", "graduate"),
    "subsidy.state.": ("submitted", "proposed", "approved", "rejected"),
    "tasks.priority.": ("1", "2", "3"),
    "tasks.group.": tuple(STATUS_GROUPS),
    "source.": SOURCE_TYPES,
    "gender.": ("male", "female"),
    "injury.status.": tuple(ClaimStatus),
    "injury.action.": (*ClaimAction, "report"),
    "injury.item.": ITEMS,
    "injury.recommend.": ("confirm", "reject"),
    "injury.industry.": INDUSTRIES,
}
"""Keys the templates compose (``t("scheme." ~ scheme)``), with every value they are composed of."""
COMPOSED = re.compile(r't\("([a-z_.]+\.)" ~')


def catalog(language: str):
    data = files("flexcover").joinpath(catalog_path(language)).read_bytes()
    return read_po(io.BytesIO(data), locale=LOCALES[language])


def entries(language: str) -> dict[str, tuple[str, ...]]:
    found = {}
    for message in catalog(language):
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found[key] = tuple(strings)
    return found


def used_keys() -> set[str]:
    method_map = [
        ("**/templates/**.html", "jinja2"),
        ("**.py", "python"),
    ]
    keys = set()
    for _, _, message, _, _ in extract_from_dir(
        str(SOURCE), method_map, keywords=KEYWORDS, options_map={"**.html": {}}
    ):
        key = message[0] if isinstance(message, tuple) else message
        if re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", key):
            keys.add(key)
    return keys


@pytest.mark.parametrize("language", list(LOCALES))
def test_every_key_the_code_and_the_templates_use_is_translated(language):
    translated = {key for key, strings in entries(language).items() if all(strings)}
    used = used_keys()
    assert len(used) > 300  # the extraction found the pages' texts
    assert sorted(used - translated) == []


@pytest.mark.parametrize("language", list(LOCALES))
def test_every_composed_key_has_a_text_for_each_of_its_values(language):
    translated = entries(language)
    composed = {
        prefix
        for path in (SOURCE / "web" / "templates").rglob("*.html")
        for prefix in COMPOSED.findall(path.read_text("utf-8"))
    }
    missing = [
        f"{prefix}{value}"
        for prefix in sorted(composed & set(DYNAMIC))
        for value in DYNAMIC[prefix]
        if f"{prefix}{value}" not in translated
    ]
    assert missing == []


def test_both_catalogs_name_the_same_keys_with_the_same_placeholders():
    chinese, english = entries("zh-CN"), entries("en")
    assert set(chinese) == set(english)
    differing = [
        key
        for key in chinese
        if {p for s in chinese[key] for p in PLACEHOLDER.findall(s)}
        != {p for s in english[key] for p in PLACEHOLDER.findall(s)}
    ]
    assert differing == []


def test_the_chinese_catalog_holds_no_english_left_untranslated():
    """English words in a Chinese text are a translation not done. Code may stay: an address or
    a folder (``/api/v1/…``, ``sources/``), an acronym (JSON), an action prefix (``person.``)."""
    code = re.compile(r"\S*/\S*|\b[A-Z]{2,}\b|\b[a-z_]+\.(?=\s)")
    words = re.compile(r"\b[A-Za-z]{4,}\b")
    allowed = {"flexcover", "Excel", "English", "worker", "Splink", "DuckDB", "Spark", "Alipay"}
    english = [
        (key, text)
        for key, strings in entries("zh-CN").items()
        for text in strings
        if set(words.findall(code.sub("", PLACEHOLDER.sub("", text)))) - allowed
    ]
    assert english == []


def test_plural_forms_follow_each_languages_rule():
    key = ("tasks.imported", "tasks.imported.plural")
    assert translate_plural(*key, 1, "en") == "1 outcome recorded."
    assert translate_plural(*key, 3, "en") == "3 outcomes recorded."
    assert translate_plural(*key, 3, "zh-CN") == "已记录 3 条核实结果。"
    assert catalog("zh-CN").num_plurals == 1
    assert catalog("en").num_plurals == 2


def test_a_text_is_put_together_with_its_placeholders():
    assert translate("runs.job_running", "zh-CN", worker="w1", attempt=2) == "由 w1 执行（第 2 次）"
    assert translate("no.such.key", "zh-CN") == "no.such.key"  # what the first test forbids


def test_every_kind_of_thing_not_found_has_a_name_in_both_languages():
    named = {
        what
        for path in SOURCE.rglob("*.py")
        for what in re.findall(r'what="([a-z ]+)"', path.read_text("utf-8"))
    }
    assert len(named) > 10
    for language in LOCALES:
        assert sorted(f"what.{w}" for w in named if f"what.{w}" not in entries(language)) == []
