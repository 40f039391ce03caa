"""Expansion tasks as an Excel workbook for field teams, and the same workbook read back with the
outcomes they filled in (任务清单下发与回传).

The sheet lists one task per row; the team fills 核实结果 (a drop-down of the four outcomes) and,
for 不适用, 原因. Reading it back checks every row first: one wrong row refuses the whole file,
listing every wrong row by its line, and nothing changes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from flexcover.coverage import labels
from flexcover.coverage.models import ExpansionTask
from flexcover.coverage.problems import RowProblem
from flexcover.kit.audit import SPREADSHEET_TRIGGERS
from flexcover.kit.divisions import current_divisions
from flexcover.kit.pagination import MAX_RECORD_ID

SHEET = "扩面任务"
OUTCOME_LABELS = {
    "contacted": "已联系",
    "enrolled": "已参保",
    "not_applicable": "不适用",
    "unreachable": "无法联系",
}
KIND_LABELS = labels.KIND_LABELS["zh-CN"]
CLASS_LABELS = labels.CLASS_LABELS["zh-CN"]
STATUS_LABELS = labels.STATUS_LABELS["zh-CN"]
CHANNEL_LABELS = labels.CHANNEL_LABELS["zh-CN"]
HEADER = (
    "任务编号",
    "区县代码",
    "区县",
    "类型",
    "分类",
    "标签",
    "优先级",
    "建议措施",
    "联系渠道",
    "姓名/名称",
    "电话",
    "出生日期",
    "状态",
    "核实结果",
    "原因",
)
OUTCOME_COLUMN = HEADER.index("核实结果") + 1
MAX_ROWS = 100_000
"""A district's export; a province's work goes out district by district."""
MAX_INFLATED_BYTES = 160 * 1024 * 1024
"""What the parts of a returned workbook may inflate to: a full export of MAX_ROWS rows is about
a third of it, and a crafted file (one huge string, a zip bomb) is refused before parsing."""
MAX_PARTS = 200


def export(tasks: Sequence[ExpansionTask], *, actions: dict[str, str]) -> bytes:
    """The workbook of ``tasks`` (``actions``: action code → its label)."""
    names = current_divisions()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for task in tasks:
        _append_text(
            sheet,
            [
                task.id,
                task.district_code,
                names.get(task.district_code, ""),
                KIND_LABELS.get(task.kind, task.kind),
                CLASS_LABELS.get(task.klass or "", ""),
                " ".join(labels.TAG_LABELS["zh-CN"].get(t, t) for t in task.tags.split(",") if t),
                task.priority,
                actions.get(task.action, task.action),
                CHANNEL_LABELS.get(task.channel, task.channel),
                task.name,
                task.phone or "",
                task.birth_date or "",
                STATUS_LABELS.get(task.status, task.status),
                "",
                "",
            ],
        )
    choices = DataValidation(
        type="list", formula1='"' + ",".join(OUTCOME_LABELS.values()) + '"', allow_blank=True
    )
    column = openpyxl.utils.get_column_letter(OUTCOME_COLUMN)
    choices.add(f"{column}2:{column}{max(2, len(tasks) + 1)}")
    sheet.add_data_validation(choices)
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (10, 9, 12, 10, 8, 24, 7, 22, 9, 14, 13, 11, 14, 11, 30), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append_text(sheet: Any, values: list[object]) -> None:
    """Append a row whose text cells stay text: openpyxl stores a string beginning with ``=`` as
    a formula, so a name from a departmental file such as ``=HYPERLINK(...)`` would run in the
    officer's Excel. Such cells are stored as strings with Excel's quote prefix (shown as typed,
    never evaluated, not turned into a formula when edited)."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f" or (
            isinstance(cell.value, str) and cell.value.startswith(SPREADSHEET_TRIGGERS)
        ):
            cell.data_type = "s"
            cell.quotePrefix = True


@dataclass(frozen=True)
class FilledRow:
    """One row of a returned workbook with an outcome filled in."""

    line: int
    task_id: int
    outcome: str
    reason: str | None


def _oversized(data: bytes) -> RowProblem | None:
    """Why the workbook's package is refused before any parsing, if it is: not a zip, too many
    parts, or parts that would inflate past :data:`MAX_INFLATED_BYTES`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return RowProblem(0, "not_zip")
    if len(parts) > MAX_PARTS:
        return RowProblem(0, "too_many_parts", {"parts": len(parts)})
    inflated = sum(part.file_size for part in parts)
    if inflated > MAX_INFLATED_BYTES:
        return RowProblem(0, "inflates", {"mib": MAX_INFLATED_BYTES // (1024 * 1024)})
    return None


def read(data: bytes) -> tuple[list[FilledRow], list[RowProblem]]:
    """The rows with an outcome, and the rows that cannot be read (by line)."""
    problems: list[RowProblem] = []
    oversized = _oversized(data)
    if oversized:
        return [], [oversized]
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        return [], [RowProblem(0, "not_excel", {"kind": type(error).__name__})]
    try:
        if SHEET not in book.sheetnames:
            return [], [RowProblem(0, "no_sheet", {"sheet": SHEET})]
        rows = book[SHEET].iter_rows(max_col=len(HEADER), values_only=True)
        header = tuple(str(h).strip() if h is not None else "" for h in next(rows, ()))
        if header[: len(HEADER)] != HEADER:
            return [], [RowProblem(1, "header")]
        by_label = {label: code for code, label in OUTCOME_LABELS.items()}
        filled = []
        for line, row in enumerate(rows, start=2):
            if line > MAX_ROWS + 1:
                problems.append(RowProblem(line, "too_many_rows", {"limit": MAX_ROWS}))
                break
            cells = list(row) + [None] * (len(HEADER) - len(row))
            outcome = str(cells[OUTCOME_COLUMN - 1] or "").strip()
            if not outcome:
                continue  # not worked yet
            raw_id = cells[0]
            if isinstance(raw_id, float) and raw_id.is_integer():
                raw_id = int(raw_id)
            if (
                not isinstance(raw_id, int)
                or isinstance(raw_id, bool)
                or not 0 < raw_id <= MAX_RECORD_ID  # past it, no database integer holds it
            ):
                problems.append(RowProblem(line, "not_task_number"))
                continue
            code = by_label.get(outcome, outcome if outcome in OUTCOME_LABELS else None)
            if code is None:
                choices = "、".join(OUTCOME_LABELS.values())
                problems.append(RowProblem(line, "outcome_choices", {"choices": choices}))
                continue
            reason = str(cells[OUTCOME_COLUMN] or "").strip() or None
            filled.append(FilledRow(line, raw_id, code, reason))
        return filled, problems
    finally:
        book.close()
