"""Field formats of the source mappings as DuckDB SQL: each turns a raw text column into its
canonical value, or NULL when it does not parse (the caller decides whether that makes the row
bad). Written as SQL so that ten million rows are normalised inside the engine, in parallel.

The resident-ID rules are those of :func:`flexcover.kit.resident_id.parse_resident_id` (shape,
15-digit upgrade, ISO 7064 check character, a real birth date, a region code known to any GB/T
2260 edition), and the keyed hash is :func:`flexcover.kit.resident_id.hash_id`'s HMAC-SHA256,
computed here from SHA-256 so that it joins with the registry's hashes.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flexcover.kit.credit_code import ALPHABET as CREDIT_ALPHABET
from flexcover.kit.credit_code import WEIGHTS as CREDIT_WEIGHTS
from flexcover.kit.resident_id import CHECK_CHARACTERS, WEIGHTS

FULL_WIDTH = "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＹ"
HALF_WIDTH = "0123456789XxABCDEFGHJKLMNPQRTUWY"
FORMATS = (
    "text",
    "name",
    "id_number",
    "id_hash",
    "date",
    "month",
    "integer",
    "yuan",
    "district",
    "district_name",
    "credit_code",
    "phone",
    "gender",
    "bool",
    "enum",
)


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier (source columns are often Chinese)."""
    return '"' + name.replace('"', '""') + '"'


def blank_to_null(column: str) -> str:
    return f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"


def text(column: str) -> str:
    return blank_to_null(column)


def name(column: str) -> str:
    """Trimmed; inner spaces (half and full width), middle dots and full stops removed."""
    raw = blank_to_null(column)
    marks = "'[\\s　·•．.・]'"
    # Most names have nothing to remove: test before replacing.
    replaced = f"regexp_replace({raw}, {marks}, '', 'g')"
    stripped = f"CASE WHEN regexp_matches({raw}, {marks}) THEN {replaced} ELSE {raw} END"
    return f"NULLIF({stripped}, '')"


def folded_id(column: str) -> str:
    """The raw number upper-cased, with spaces removed and full-width characters folded (a
    plain number, the common case, skips the folding)."""
    raw = f"CAST({column} AS VARCHAR)"
    folded = (
        f"upper(translate(regexp_replace({raw}, '[\\s　]', '', 'g'), "
        f"{quote(FULL_WIDTH)}, {quote(HALF_WIDTH)}))"
    )
    return f"CASE WHEN regexp_full_match({raw}, '[0-9]{{17}}[0-9X]') THEN {raw} ELSE {folded} END"


def _check_character(first17: str, weights: tuple[int, ...], modulus: int, table: str) -> str:
    total = " + ".join(
        f"try_cast(substr({first17}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(weights)
    )
    return f"substr({quote(table)}, CAST(({total}) % {modulus} AS INTEGER) + 1, 1)"


def id_number_18(column: str, *, folded: bool = False) -> str:
    """The 18-character form of the number (15-digit numbers upgraded), or NULL when its shape
    is wrong. Not yet checked further. ``folded``: the column holds :func:`folded_id` already."""
    raw = column if folded else folded_id(column)
    upgraded_first17 = f"substr({raw}, 1, 6) || '19' || substr({raw}, 7, 9)"
    upgraded = (
        upgraded_first17
        + " || "
        + _check_character(upgraded_first17, WEIGHTS, 11, CHECK_CHARACTERS)
    )
    return (
        f"CASE WHEN regexp_full_match({raw}, '[0-9]{{17}}[0-9X]') THEN {raw} "
        f"WHEN regexp_full_match({raw}, '[0-9]{{15}}') THEN {upgraded} END"
    )


def id_valid(number18: str, *, as_of: date) -> str:
    """Whether the 18-character number (a column holding :func:`id_number_18`) is valid: check
    character, real birth date from 1800 to ``as_of``, region code known to GB/T 2260 (the
    ``known_regions`` table)."""
    check = _check_character(number18, WEIGHTS, 11, CHECK_CHARACTERS)
    birth = f"try_strptime(substr({number18}, 7, 8), '%Y%m%d')"
    return (
        f"coalesce({number18} IS NOT NULL AND substr({number18}, 18, 1) = {check} "
        f"AND {birth} IS NOT NULL AND {birth} BETWEEN DATE '1800-01-01' AND "
        f"DATE '{as_of.isoformat()}' "
        f"AND substr({number18}, 1, 6) IN (SELECT code FROM known_regions), false)"
    )


def id_repair_sql(key: bytes, *, as_of: date) -> str:
    """A query over ``judged`` giving, per line whose number is not valid but has the shape of
    one, the keyed hashes of the valid numbers one substituted character or one swap of
    neighbouring characters away: (``_line``, ``hashes``). A typed digit or a transposition is
    how most numbers go wrong (the noise the departments show); the person's own number is
    among the candidates, and matching keeps it only when the population holds it and the name
    agrees."""
    substitutions = ", ".join(
        f"({position}, '{character}')"
        for position in range(1, 19)
        for character in ("0123456789X" if position == 18 else "0123456789")
    )
    swaps = ", ".join(f"({position})" for position in range(1, 18))
    return (
        "WITH bad AS (SELECT _line, _id18 AS n FROM judged WHERE _bad IS NULL AND _id_given "
        "AND NOT _id_valid AND _id18 IS NOT NULL), "
        f"subs (p, c) AS (VALUES {substitutions}), swaps (p) AS (VALUES {swaps}), "
        "variants AS ("
        "SELECT _line, substr(n, 1, p - 1) || c || substr(n, p + 1) AS v FROM bad, subs "
        "WHERE substr(n, p, 1) <> c "
        "UNION ALL "
        "SELECT _line, substr(n, 1, p - 1) || substr(n, p + 1, 1) || substr(n, p, 1) "
        "|| substr(n, p + 2) FROM bad, swaps WHERE substr(n, p, 1) <> substr(n, p + 1, 1)) "
        f"SELECT _line, list({hmac_sha256('v', key)} ORDER BY v) AS hashes FROM variants "
        f"WHERE {id_valid('v', as_of=as_of)} GROUP BY _line"
    )


def id_birth_date(number18: str) -> str:
    return f"CAST(try_strptime(substr({number18}, 7, 8), '%Y%m%d') AS DATE)"


def id_gender(number18: str) -> str:
    return (
        f"CASE WHEN CAST(substr({number18}, 17, 1) AS INTEGER) % 2 = 1 "
        "THEN 'male' ELSE 'female' END"
    )


def hmac_sha256(message: str, key: bytes) -> str:
    """HMAC-SHA256 (RFC 2104) of a VARCHAR expression, as lower-case hex, like ``hmac.new``."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in padded).hex()
    outer = bytes(b ^ 0x5C for b in padded).hex()
    return f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({message}))))"


def id_hash_value(column: str) -> str:
    """A keyed hash given as such (flexcover's own register exports no ID numbers)."""
    raw = f"lower({blank_to_null(column)})"
    return f"CASE WHEN regexp_full_match({raw}, '[0-9a-f]{{64}}') THEN {raw} END"


def date_value(column: str, patterns: tuple[str, ...]) -> str:
    raw = blank_to_null(column)
    tries = ", ".join(f"try_strptime({raw}, {quote(p)})" for p in patterns)
    return f"CAST(coalesce({tries}) AS DATE)"


def month_value(column: str) -> str:
    """``YYYY-MM`` from ``YYYY-MM``, ``YYYYMM``, ``YYYY/MM`` or ``YYYY年MM月``."""
    digits = f"regexp_replace({blank_to_null(column)}, '[^0-9]', '', 'g')"
    return (
        f"CASE WHEN regexp_full_match({digits}, '(19|20)[0-9]{{2}}(0[1-9]|1[0-2])') "
        f"THEN substr({digits}, 1, 4) || '-' || substr({digits}, 5, 2) END"
    )


def integer_value(column: str) -> str:
    return f"try_cast({blank_to_null(column)} AS BIGINT)"


def yuan_value(column: str) -> str:
    """Integer fen from a yuan amount with at most two decimals (never through a float)."""
    raw = f"replace({blank_to_null(column)}, ',', '')"
    return (
        f"CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,13}}(\\.[0-9]{{1,2}})?') "
        f"THEN CAST(CAST({raw} AS DECIMAL(18, 2)) * 100 AS BIGINT) END"
    )


def district_value(column: str) -> str:
    raw = blank_to_null(column)
    return f"CASE WHEN {raw} IN (SELECT code FROM known_regions) THEN {raw} END"


def district_name_value(column: str) -> str:
    """A district named in Chinese (渝中区), looked up among the run's current divisions."""
    raw = blank_to_null(column)
    return f"(SELECT d.code FROM division_names AS d WHERE d.name = {raw} LIMIT 1)"


def credit_code_value(column: str) -> str:
    raw = folded_id(column)
    total = " + ".join(
        f"(strpos({quote(CREDIT_ALPHABET)}, substr({raw}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(CREDIT_WEIGHTS)
    )
    check = f"substr({quote(CREDIT_ALPHABET)}, CAST((31 - ({total}) % 31) % 31 AS INTEGER) + 1, 1)"
    return (
        f"CASE WHEN regexp_full_match({raw}, '[0-9A-HJ-NPQRTUWXY]{{2}}[0-9]{{6}}"
        f"[0-9A-HJ-NPQRTUWXY]{{10}}') AND substr({raw}, 18, 1) = {check} THEN {raw} END"
    )


def phone_value(column: str) -> str:
    digits = f"regexp_replace({blank_to_null(column)}, '[^0-9]', '', 'g')"
    stripped = f"regexp_replace({digits}, '^86(1[0-9]{{10}})$', '\\1')"
    return f"CASE WHEN regexp_full_match({stripped}, '1[3-9][0-9]{{9}}') THEN {stripped} END"


def gender_value(column: str) -> str:
    raw = blank_to_null(column)
    return (
        f"CASE WHEN {raw} IN ('男', 'M', 'male', '1') THEN 'male' "
        f"WHEN {raw} IN ('女', 'F', 'female', '2') THEN 'female' END"
    )


def bool_value(column: str) -> str:
    raw = f"lower({blank_to_null(column)})"
    return (
        f"CASE WHEN {raw} IN ('是', 'y', 'yes', 'true', '1', 't') THEN true "
        f"WHEN {raw} IN ('否', 'n', 'no', 'false', '0', 'f') THEN false END"
    )


def enum_value(column: str, values: dict[str, str], default: str | None = None) -> str:
    """The canonical value of a listed text; another text gives ``default`` (NULL: unparsable)."""
    raw = blank_to_null(column)
    cases = " ".join(f"WHEN {raw} = {quote(k)} THEN {quote(v)}" for k, v in values.items())
    otherwise = f" WHEN {raw} IS NOT NULL THEN {quote(default)}" if default is not None else ""
    return f"CASE {cases}{otherwise} END"
