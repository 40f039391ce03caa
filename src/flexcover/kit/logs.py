"""Logs without personal data: a filter that masks resident ID numbers and mobile numbers in
every record (its message and its traceback) before a handler writes it."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

RESIDENT_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask(text: str) -> str:
    """``text`` with every resident ID and mobile number replaced by a placeholder."""
    return MOBILE.sub("<phone>", RESIDENT_ID.sub("<resident id>", text))


class PersonalDataFilter(logging.Filter):
    """Masks the message, and each text among its arguments where a formatter reads them apart
    (uvicorn's access log formats its arguments itself: client, method, path with its query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.name.startswith("uvicorn"):
            record.msg = mask(str(record.msg))
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        else:
            record.msg = mask(record.getMessage())
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def configure(level: int = logging.INFO) -> None:
    """Log to stderr, timestamped, through :class:`PersonalDataFilter`."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with :class:`PersonalDataFilter` on its handlers: a
    request whose address holds a resident ID (a search, a cover lookup) is logged masked."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["personal_data"] = {"()": PersonalDataFilter}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("personal_data")
    return config
