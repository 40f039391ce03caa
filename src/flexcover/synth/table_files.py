"""Arrow tables written as departments hand files over: Parquet, CSV in any encoding, and Excel
workbooks (XLSX) written directly, each replacing its path atomically."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

MAX_SHEET_ROWS = 1_048_575
"""Excel's 1,048,576 rows less the header."""
CSV_BATCH_ROWS = 500_000
XLSX_BATCH_ROWS = 100_000
EXCEL_DAY_OF_1970 = 25_569
"""Excel's serial number of 1970-01-01 (days since 1899-12-30)."""


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A partial path to write to, moved onto ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_table(
    path: Path, table: pa.Table, *, sheet: str | None = None, encoding: str = "utf-8"
) -> None:
    """Write ``table`` to ``path`` as its suffix says (.parquet, .xlsx, else CSV), atomically."""
    with replacing(path) as partial:
        if path.suffix == ".parquet":
            pq.write_table(table, partial, compression="zstd")
        elif path.suffix == ".xlsx":
            write_xlsx(partial, table, sheet=sheet or path.stem)
        else:
            write_csv(partial, table, encoding=encoding)


def write_csv(path: Path, table: pa.Table, *, encoding: str = "utf-8") -> None:
    """CSV with a header row, strings quoted; re-encoded batch by batch when not UTF-8."""
    with path.open("wb") as sink:
        for start in range(0, max(table.num_rows, 1), CSV_BATCH_ROWS):
            buffer = io.BytesIO()
            options = pcsv.WriteOptions(include_header=start == 0)
            pcsv.write_csv(table.slice(start, CSV_BATCH_ROWS), buffer, options)
            data = buffer.getvalue()
            sink.write(data if encoding == "utf-8" else data.decode("utf-8").encode(encoding))


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
"""Style 1 is a date (``yyyy-mm-dd``); everything else is unstyled."""


def _package_parts(sheets: list[str]) -> dict[str, str]:
    """The workbook's parts other than the sheets themselves."""
    numbers = range(1, len(sheets) + 1)
    return {
        "[Content_Types].xml": (
            f'<Types xmlns="{_PACKAGE}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPES}.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                f'ContentType="{_TYPES}.worksheet+xml"/>'
                for i in numbers
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_RELATIONS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rIdStyles" Type="{_RELATIONS}/styles" Target="styles.xml"/>'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_RELATIONS}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in numbers
            )
            + "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONS}"><sheets>'
            + "".join(
                f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in zip(numbers, sheets, strict=True)
            )
            + "</sheets></workbook>"
        ),
        "xl/styles.xml": _STYLES,
    }


def write_xlsx(path: Path, table: pa.Table, *, sheet: str) -> None:
    """A minimal Office Open XML workbook: text as inline strings, dates as dated numbers.

    Written directly rather than through openpyxl: a million-row sheet takes seconds instead of
    minutes, and fixed zip timestamps make the same table give the same bytes. Beyond
    :data:`MAX_SHEET_ROWS` rows the table continues on sheets ``<sheet>2``, ``<sheet>3``….
    """
    pages = max(1, -(-table.num_rows // MAX_SHEET_ROWS))
    sheets = [sheet if i == 0 else f"{sheet}{i + 1}" for i in range(pages)]
    header = pa.table([pa.array([name]) for name in table.column_names], names=table.column_names)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in _package_parts(sheets).items():
            archive.writestr(_entry(name), _XML_DECLARATION + text)
        for i in range(pages):
            page = table.slice(i * MAX_SHEET_ROWS, MAX_SHEET_ROWS)
            with archive.open(
                _entry(f"xl/worksheets/sheet{i + 1}.xml"), "w", force_zip64=True
            ) as part:
                # The dimension tells readers the sheet's width: empty trailing cells are left out.
                corner = f"{_column_letter(table.num_columns - 1)}{page.num_rows + 1}"
                opening = f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{corner}"/><sheetData>'
                part.write((_XML_DECLARATION + opening).encode())
                part.write(_sheet_rows(header, first_row=1))
                for start in range(0, page.num_rows, XLSX_BATCH_ROWS):
                    part.write(_sheet_rows(page.slice(start, XLSX_BATCH_ROWS), first_row=start + 2))
                part.write(b"</sheetData></worksheet>")


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _sheet_rows(table: pa.Table, *, first_row: int) -> bytes:
    """``<row>`` elements for ``table``, cells addressed (a null cell is left out)."""
    n = table.num_rows
    row_numbers = pc.cast(pa.array(np.arange(first_row, first_row + n)), pa.string())
    cells = []
    for position, column in enumerate(table.columns):
        values = column.combine_chunks()
        reference = pc.binary_join_element_wise(_column_letter(position), row_numbers, "")
        if pa.types.is_date32(values.type):
            days = pc.add(pc.cast(values, pa.int32()), EXCEL_DAY_OF_1970)
            serial = pc.cast(days, pa.string())
            cell = pc.binary_join_element_wise(
                '<c r="', reference, '" s="1"><v>', serial, "</v></c>", ""
            )
            cell = pc.if_else(values.is_valid(), cell, "")
        else:
            text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
            for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
                text = pc.replace_substring(text, raw, escaped)
            cell = pc.binary_join_element_wise(
                '<c r="', reference, '" t="inlineStr"><is><t xml:space="preserve">', text,
                "</t></is></c>", "",
            )  # fmt: skip
            cell = pc.fill_null(cell, "")
        cells.append(cell)
    rows = pc.binary_join_element_wise('<row r="', row_numbers, '">', *cells, "</row>", "")
    rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + n + 1]
    data: bytes = rows.buffers()[2].slice(offsets[0], offsets[-1] - offsets[0]).to_pybytes()
    return data


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
