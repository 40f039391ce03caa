"""Registry tables: jurisdictions, people, platforms, employers, users and API tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexcover.kit.database import Base, UtcDateTime, one_of, utc_now

JURISDICTION_LEVELS = ("national", "province", "city", "district")
ROLES = (
    "worker",
    "platform",
    "district_officer",
    "city_officer",
    "province_officer",
    "auditor",
    "admin",
    "insurer",
)
"""``insurer``: a commercial insurer the agency commissions (委托商业保险机构) to take in,
investigate and propose on occupational-injury claims; it never approves."""


class Jurisdiction(Base):
    """行政区划: a GB/T 2260 division, from the nation down to districts and counties."""

    __tablename__ = "jurisdictions"
    __table_args__ = (
        CheckConstraint(
            "level IN ('national', 'province', 'city', 'district')", name="level_known"
        ),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    full_name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)


class Person(Base):
    """人员: someone known to the agency, identified by the keyed hash of their resident ID.

    The plain ID number is not stored: joins use ``id_hash``, screens use ``id_masked``, and the
    birth date, gender and issuing region are kept as the ID states them.
    """

    __tablename__ = "people"
    __table_args__ = (CheckConstraint("gender IN ('male', 'female')", name="gender_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    id_region_code: Mapped[str] = mapped_column(String(6))
    phone: Mapped[str | None] = mapped_column(String(20))
    hukou_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    residence_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Platform(Base):
    """平台企业: a platform company whose workers take orders through it."""

    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PlatformWorker(Base):
    """平台从业人员名册: a person working through a platform, from a month (to a month). A
    worker may be on several platforms' rosters; one platform's periods for one person never
    overlap."""

    __tablename__ = "platform_workers"
    __table_args__ = (UniqueConstraint("platform_id", "person_id", "from_month"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    from_month: Mapped[str] = mapped_column(String(7))
    until_month: Mapped[str | None] = mapped_column(String(7))
    work_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The jurisdictions the person works in for this platform (where orders are taken)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PlatformRequest(Base):
    """平台接口请求记录: one write a platform's system made, with what it refused, so its
    engineers can see on the platform page which rows to fix. No personal data: rows are
    named by line, refused by code and field."""

    __tablename__ = "platform_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    operation: Mapped[str] = mapped_column(String(40))
    status: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))


class Employer(Base):
    """用人单位: an employer registered with market supervision, by its unified credit code."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class User(Base):
    """用户: a login. Its role and region scope decide what it may see and do."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Wrong passwords in a row since the last good login."""
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Set by an administrator's reset: the next login leads to the password page first."""
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiToken(Base):
    """API 令牌: a bearer token for a platform's systems. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginSession(Base):
    """登录会话: a page login. The cookie carries a random key; only its SHA-256 is stored, and
    logging out (or the clock) ends the session on the server, not just in the browser."""

    __tablename__ = "login_sessions"
    __table_args__ = (UniqueConstraint("key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
