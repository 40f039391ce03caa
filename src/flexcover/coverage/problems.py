"""What the comparison engine refuses, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flexcover.kit.i18n import translate
from flexcover.kit.problems import Problem


class MappingInvalid(Problem):
    code = "mapping_invalid"
    title = {"zh-CN": "数据源映射有误", "en": "Invalid source mapping"}
    detail = {"zh-CN": "{field}：{reason}。", "en": "{field}: {reason}."}


class SourceUnreadable(Problem):
    code = "source_unreadable"
    status = 422
    title = {"zh-CN": "数据文件无法读取", "en": "Source file unreadable"}
    detail = {"zh-CN": "{field}：{reason}。", "en": "{field}: {reason}."}


class TaskOutcomeInvalid(Problem):
    code = "task_outcome_invalid"
    title = {"zh-CN": "核实结果有误", "en": "Invalid task outcome"}
    detail = {"zh-CN": "{field}：{reason_zh}。", "en": "{field}: {reason_en}."}


class TaskClosed(Problem):
    code = "task_closed"
    status = 409
    title = {"zh-CN": "任务已办结", "en": "Task closed"}
    detail = {
        "zh-CN": "{field}：任务 {task_id} 已办结（{status}），不能再记录结果。",
        "en": "{field}: task {task_id} is closed ({status}); no outcome can be recorded.",
    }


@dataclass(frozen=True)
class RowProblem:
    """Why one row of a returned workbook (``line``; 0 for the file) is wrong: a catalog key
    (``workbook.<reason>``) with its values, or a refusal of the task's outcome."""

    line: int
    reason: str
    params: Mapping[str, object] = field(default_factory=dict)
    refusal: Problem | None = None

    def said(self, language: str) -> str:
        if self.refusal is not None:
            return self.refusal.message(language)
        return translate(f"workbook.{self.reason}", language, **self.params)


class WorkbookInvalid(Problem):
    """A returned workbook with wrong rows: nothing is recorded; every wrong row is named (the
    message lists the first 20, :meth:`lines` all of them), in the reader's language."""

    code = "workbook_invalid"
    status = 422
    title = {"zh-CN": "回传的任务表有误", "en": "Invalid task workbook"}
    detail = {
        "zh-CN": "{field}：共 {count} 行有误，未作任何更改：{rows}",
        "en": "{field}: {count} row(s) are wrong and nothing was changed: {rows}",
    }
    LISTED = 20

    def __init__(self, *, field: str, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__(field=field, count=len(self.problems))

    def lines(self, language: str) -> list[tuple[int, str]]:
        return sorted((p.line, p.said(language)) for p in self.problems)

    def message(self, language: str) -> str:
        listed = translate("workbook.separator", language).join(
            translate("workbook.row", language, line=line, reason=said) if line else said
            for line, said in self.lines(language)[: self.LISTED]
        )
        more = len(self.problems) - self.LISTED
        if more > 0:
            listed += translate("workbook.more", language, more=more)
        template = self.detail.get(language) or self.detail["en"]
        return template.format(
            field=self.field_name(language), count=len(self.problems), rows=listed
        )


class ComparisonRefused(Problem):
    """A comparison the staff page cannot start: an unknown source folder, month or engine."""

    code = "comparison_refused"
    status = 422
    title = {"zh-CN": "无法发起比对", "en": "Comparison not started"}
    detail = {"zh-CN": "{field}：{reason_zh}。", "en": "{field}: {reason_en}."}


class RunTakenOver(Problem):
    """A worker thought dead finished its comparison after another had ended the run: its
    results are dropped, the run keeps the first."""

    code = "run_taken_over"
    status = 409
    title = {"zh-CN": "比对已由其他进程完成", "en": "Comparison ended elsewhere"}
    detail = {
        "zh-CN": "第 {run_id} 次比对已是“{status}”状态，本次结果未写入。",
        "en": "run {run_id} is already {status}; these results were not written.",
    }


class RunFailed(Problem):
    """A queued comparison that failed: the run row holds the reason; the job is not tried
    again (the same sources would fail the same way)."""

    code = "run_failed"
    status = 422
    title = {"zh-CN": "比对失败", "en": "Comparison failed"}
    detail = {
        "zh-CN": "第 {run_id} 次比对失败：{reason}",
        "en": "run {run_id} failed: {reason}",
    }
