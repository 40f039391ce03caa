"""What the demo city was built from, so a re-run can tell whether to reuse it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from flexcover.kit.database import Base, UtcDateTime, utc_now


class DemoDataset(Base):
    """演示数据: the one synthetic city loaded by ``flexcover demo`` (at most one row)."""

    __tablename__ = "demo_dataset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(6))
    people: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    generator_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
