"""What the comparison engine refuses, and why."""

from __future__ import annotations

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


class WorkbookInvalid(Problem):
    code = "workbook_invalid"
    status = 422
    title = {"zh-CN": "回传的任务表有误", "en": "Invalid task workbook"}
    detail = {
        "zh-CN": "{field}：共 {count} 行有误，未作任何更改：{rows}",
        "en": "{field}: {count} row(s) are wrong and nothing was changed: {rows}",
    }


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
