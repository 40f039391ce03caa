"""Errors as values with a stable code, rendered as RFC 9457 problem+json at the edge.

Each problem names the offending field (a JSON Pointer into the request), carries its parameters,
and has its title and detail in Chinese and English. The language is chosen from Accept-Language;
pages default to zh-CN and the API to English unless the client asks otherwise.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flexcover.kit.i18n import translate

LANGUAGES = ("zh-CN", "en")


def choose_language(accept_language: str | None, *, default: str) -> str:
    """The best of our languages for an Accept-Language header (RFC 9110 §12.5.4)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality >= 0:
            break
        if tag == "*":
            return default
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return default


class Problem(Exception):
    """A failure the caller can act on. Subclasses set ``code``, ``status`` and the messages.

    ``title`` and ``detail`` are ``{"zh-CN": ..., "en": ...}``; ``detail`` may use ``{field}`` and
    the keyword parameters given to the constructor.
    """

    code: ClassVar[str] = "problem"
    status: ClassVar[int] = 400
    title: ClassVar[dict[str, str]] = {"zh-CN": "请求有误", "en": "Bad request"}
    detail: ClassVar[dict[str, str]] = {"zh-CN": "请求有误。", "en": "The request is not valid."}

    def __init__(self, *, field: str | None = None, **params: Any) -> None:
        self.field = field
        self.params = params
        super().__init__(self.message("en"))

    @property
    def pointer(self) -> str | None:
        """The field as a JSON Pointer (RFC 6901) into the request document."""
        if self.field is None:
            return None
        parts = self.field.replace("~", "~0").replace("/", "~1").split(".")
        return "/" + "/".join(parts)

    words: ClassVar[dict[str, str]] = {}
    """Parameters that are codes, and the catalog prefix that names them in each language
    (``{"what": "what."}``: ``what="person"`` reads 人员 in Chinese)."""

    def message(self, language: str) -> str:
        template = self.detail.get(language) or self.detail["en"]
        params = dict(self.params)
        return template.format(field=self.field_name(language), **self._words(params, language))

    def field_name(self, language: str) -> str:
        """The field as a reader of ``language`` calls it (``field.base_yuan`` reads 缴费基数 in
        Chinese); in English, and for fields without a label, its name."""
        if not self.field or language == "en":
            return self.field or ""
        label = translate(f"field.{self.field}", language)
        return self.field if label == f"field.{self.field}" else label

    def _words(self, params: dict[str, Any], language: str) -> dict[str, Any]:
        for name, prefix in self.words.items():
            code = params.get(name)
            if isinstance(code, str):
                said = translate(f"{prefix}{code}", language)
                params[name] = code if said == f"{prefix}{code}" else said
        return params

    def line(self, language: str = "en") -> str:
        """``field: detail`` for a command line, naming the field once (most details begin
        with it already)."""
        message = self.message(language)
        field = self.field
        if not field or message.startswith((f"{field}:", f"{field}：", f"{field} ")):
            return message
        return f"{field}: {message}"

    @classmethod
    def type_uri(cls) -> str:
        return "/problems/" + cls.code.replace("_", "-")

    def to_dict(self, language: str, *, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title.get(language) or self.title["en"],
            "status": self.status,
            "detail": self.message(language),
            "code": self.code,
        }
        if instance is not None:
            body["instance"] = instance
        if self.field is not None:
            body["pointer"] = self.pointer
            body["errors"] = [
                {"pointer": self.pointer, "code": self.code, "detail": body["detail"]}
            ]
        return body


class Refusal(Problem):
    """A problem whose reason the raiser states in both languages (``reason_zh``, ``reason_en``):
    for rules that refuse in more ways than one message could say."""

    detail = {"zh-CN": "{field}：{reason_zh}", "en": "{field}: {reason_en}"}


class ValidationFailed(Problem):
    """Several fields failed schema validation at once; ``errors`` lists each."""

    code = "validation_failed"
    status = 422
    title = {"zh-CN": "输入有误", "en": "Invalid input"}
    detail = {"zh-CN": "有 {count} 处输入有误。", "en": "{count} field(s) are not valid."}

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        first = errors[0]["field"] if errors else None
        super().__init__(field=first, count=len(errors))

    def line(self, language: str = "en") -> str:
        """The first wrong field and what is wrong with it (the count alone says little)."""
        if not self.errors:
            return super().line(language)
        first = self.errors[0]
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        return f"{first['field']}: {first['message']}{more}"

    @staticmethod
    def explained(error: dict[str, str], language: str) -> str:
        """What is wrong with one field, in ``language``: the catalog's words for the kind of
        error (``validation.string_too_long``, with its limits), else the message as given in
        English, else (in Chinese) a plain 格式不正确 rather than English."""
        code = error.get("code", "invalid")
        params = {k.removeprefix("ctx."): v for k, v in error.items() if k.startswith("ctx.")}
        key = f"validation.{code}"
        said = translate(key, language)
        if said != key:
            try:
                return said.format(**params)
            except (KeyError, IndexError):
                pass
        if language == "en":
            return error.get("message", "not valid")
        return translate("validation.invalid", language)

    def to_dict(self, language: str, *, instance: str | None = None) -> dict[str, Any]:
        body = super().to_dict(language, instance=instance)
        body["errors"] = [
            {
                "pointer": Problem(field=error["field"]).pointer,
                "field": error["field"],
                "code": error.get("code", "invalid"),
                "detail": self.explained(error, language),
            }
            for error in self.errors
        ]
        return body


class InvalidAmount(Problem):
    code = "invalid_amount"
    title = {"zh-CN": "金额格式有误", "en": "Invalid amount"}
    detail = {
        "zh-CN": "{field} 的金额“{value}”无效：请填写以元为单位、最多两位小数的非负数，"
        "如 4404.00。",
        "en": "{field}: '{value}' is not an amount in yuan with at most two decimals, "
        "e.g. 4404.00.",
    }


class InvalidMonth(Problem):
    code = "invalid_month"
    title = {"zh-CN": "月份格式有误", "en": "Invalid month"}
    detail = {
        "zh-CN": "{field} 的月份“{value}”无效，应为 YYYY-MM，如 2025-08。",
        "en": "{field}: '{value}' is not a month in the form YYYY-MM, e.g. 2025-08.",
    }


class NotFound(Problem):
    code = "not_found"
    words = {"what": "what."}
    status = 404
    title = {"zh-CN": "未找到", "en": "Not found"}
    detail = {"zh-CN": "未找到{what}“{key}”。", "en": "No {what} '{key}' was found."}


class NotAuthenticated(Problem):
    code = "not_authenticated"
    status = 401
    title = {"zh-CN": "需要登录", "en": "Authentication required"}
    detail = {
        "zh-CN": "请先登录，或在 Authorization 头中提供有效的 API 令牌。",
        "en": "Log in, or send a valid API token in the Authorization header.",
    }


class Forbidden(Problem):
    code = "forbidden"
    words = {"role": "role."}
    status = 403
    title = {"zh-CN": "无权操作", "en": "Not allowed"}
    # The message names the actor's own role and action, never where the target is: a refusal
    # must not tell which district a person or record belongs to.
    detail = {
        "zh-CN": "您的角色（{role}）无权对此执行“{action}”（不在您的权限范围内）。",
        "en": "Your role ({role}) may not do '{action}' on this (outside what you may act on).",
    }
