"""Message catalogs: the texts of the pages and messages, in gettext ``.po`` files (one per
language, ``flexcover/locale/<locale>/LC_MESSAGES/messages.po``) that translators edit with
their usual tools (Poedit, Weblate). A message is named by a key (``runs.status.queued``): the
catalogs are monolingual, zh-CN and English alike. Counted messages have plural forms
(``ngettext``). The catalogs are read with Babel when first needed; ``tests/web/test_i18n.py``
fails on a key used in the code or templates that a catalog does not translate.
"""

from __future__ import annotations

import io
from functools import cache
from gettext import GNUTranslations
from importlib.resources import files

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = {"zh-CN": "zh_CN", "en": "en"}
"""flexcover's languages (as the web speaks them) and their catalogs' locales."""


def catalog_path(language: str) -> str:
    return f"locale/{LOCALES[language]}/LC_MESSAGES/messages.po"


@cache
def translations(language: str) -> GNUTranslations:
    """The language's catalog, compiled in memory (no ``.mo`` file to keep in step)."""
    source = files("flexcover").joinpath(catalog_path(language)).read_bytes()
    catalog = read_po(io.BytesIO(source), locale=LOCALES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return GNUTranslations(compiled)


def _language(language: str) -> str:
    return language if language in LOCALES else "en"


def translate(key: str, language: str, **params: object) -> str:
    """The text of ``key`` in ``language`` with ``params`` put in (``{name}``); the key itself
    when no catalog has it (which the catalog test forbids)."""
    text = translations(_language(language)).gettext(key)
    if text == key and language != "en":
        text = translations("en").gettext(key)
    return text.format(**params) if params else text


def translate_plural(key: str, plural: str, count: int, language: str, **params: object) -> str:
    """The text of ``key`` (``plural`` its plural's key, as gettext's ``ngettext`` takes them)
    for ``count`` things, in the form the language's rule picks (English has two, Chinese one);
    ``{count}`` and ``params`` are put in."""
    text = translations(_language(language)).ngettext(key, plural, count)
    return text.format(count=count, **params)
