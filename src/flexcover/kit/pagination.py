"""Pages of results: ``?page=1&size=50``, answered with the total so a client can page on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000
MAX_RECORD_ID = 2**31 - 1
"""Record ids are 32-bit on every database we run on; larger numbers are refused at the edge."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))
