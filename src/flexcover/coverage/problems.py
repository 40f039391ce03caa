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
