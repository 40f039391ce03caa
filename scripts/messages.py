"""``./dev messages``: extract the message keys the code and templates use (Babel), and add the
new ones to every catalog with an empty text for the translators; nothing is removed (keys that
templates compose, ``t("scheme." ~ scheme)``, cannot be extracted). ``tests/web/test_i18n.py``
fails until every key has its texts.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "flexcover"
KEYWORDS = {"translate": None, "translate_plural": (1, 2), "t": None, "tn": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def used() -> dict[str, str | tuple[str, str]]:
    found: dict[str, str | tuple[str, str]] = {}
    for _, _, message, _, _ in extract_from_dir(str(SOURCE), METHODS, keywords=KEYWORDS):
        key = message[0] if isinstance(message, tuple) else message
        if "." in key and " " not in key:
            found[key] = message
    return found


def main() -> None:
    keys = used()
    for po in sorted((SOURCE / "locale").glob("*/LC_MESSAGES/messages.po")):
        catalog: Catalog = read_po(io.BytesIO(po.read_bytes()))
        known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
        new = [keys[key] for key in sorted(keys) if key not in known]
        for message in new:
            empty = ("",) * catalog.num_plurals if isinstance(message, tuple) else ""
            catalog.add(message, empty, flags=("python-brace-format",))
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100)
        po.write_bytes(buffer.getvalue())
        print(f"{po.relative_to(ROOT)}: {len(new)} new key(s) to translate")


if __name__ == "__main__":
    main()
