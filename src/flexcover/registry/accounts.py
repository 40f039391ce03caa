"""Logins: users with a role and a region, Argon2 passwords, server-side page sessions, and API
tokens for platforms' systems. Like every service, these take a session and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import date, datetime, time, timedelta
from typing import Literal

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy.orm import Session

from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.months import CHINA
from flexcover.kit.pagination import Page, PageRequest
from flexcover.kit.problems import NotAuthenticated, NotFound
from flexcover.registry import repository
from flexcover.registry.authz import ROLE_REGION_LEVELS, Target, authorize
from flexcover.registry.models import ApiToken, LoginSession, Person, User
from flexcover.registry.problems import (
    DuplicateUsername,
    InvalidCredentials,
    InvalidUserBinding,
    LoginLocked,
    PasswordRefused,
)
from flexcover.registry.schemas import UserIn
from flexcover.registry.service import require_jurisdiction

PRODUCTION_PARAMETERS = RFC_9106_LOW_MEMORY
"""Argon2id, 64 MiB, 3 passes, 4 lanes: RFC 9106's second recommended option."""
_hasher = PasswordHasher.from_parameters(PRODUCTION_PARAMETERS)
# Verified against when the username is unknown, so a miss costs what a hit does.
_DUMMY_HASH = _hasher.hash("flexcover-timing-equaliser")


def use_password_parameters(parameters: Parameters) -> None:
    """Hash new passwords with ``parameters`` from now on. The test suite uses argon2's
    ``CHEAPEST`` profile (the same Argon2id code, at a thousandth of the cost); the server and
    the commands keep :data:`PRODUCTION_PARAMETERS`. Stored hashes carry their parameters, so
    either verifies the other's."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("flexcover-timing-equaliser")


TOKEN_PREFIX = "fct_"  # noqa: S105 - a public marker, not a secret


def actor_for(user: User, *, source: str) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        region_code=user.region_code,
        source=source,
        platform_id=user.platform_id,
        person_id=user.person_id,
    )


def create_user(*, session: Session, actor: Actor, user: UserIn) -> User:
    """A login with a role and a region scope; workers are bound to their person record."""
    region = require_jurisdiction(
        session, user.region_code, field="region_code", levels=ROLE_REGION_LEVELS[user.role]
    )
    if user.role == "worker":
        if user.person_id is None:
            raise InvalidUserBinding(
                field="person_id",
                reason_zh="参保人账号必须关联已登记的人员",
                reason_en="a worker login must be bound to a registered person",
            )
        person = session.get(Person, user.person_id)
        if person is None:
            raise NotFound(field="person_id", what="person", key=user.person_id)
        if person.residence_code != region.code:
            raise InvalidUserBinding(
                field="region_code",
                reason_zh="参保人账号的辖区应为其居住地",
                reason_en="a worker's region must be their residence district",
            )
        if repository.user_for_person(session, person.id) is not None:
            raise InvalidUserBinding(
                field="person_id",
                reason_zh="该人员已有账号",
                reason_en="this person already has a login",
            )
    elif user.person_id is not None:
        raise InvalidUserBinding(
            field="person_id",
            reason_zh="只有参保人账号可以关联人员",
            reason_en="only worker logins are bound to a person",
        )
    if user.role == "platform":
        if user.platform_id is None or repository.get_platform(session, user.platform_id) is None:
            raise InvalidUserBinding(
                field="platform_id",
                reason_zh="平台账号必须关联已登记的平台",
                reason_en="a platform login must be bound to a registered platform",
            )
    elif user.platform_id is not None:
        raise InvalidUserBinding(
            field="platform_id",
            reason_zh="只有平台账号可以关联平台",
            reason_en="only platform logins are bound to a platform",
        )
    authorize(actor, "user.create", Target(region_code=user.region_code), field="region_code")
    if user.platform_id is not None:
        platform = repository.get_platform(session, user.platform_id)
        assert platform is not None
        # A platform's logins are made by whoever may manage that platform: inside its region.
        authorize(
            actor, "user.create", Target(region_code=platform.region_code), field="platform_id"
        )
    _checked_new_password(user.password, username=user.username, field="password")
    if repository.user_by_username(session, user.username) is not None:
        raise DuplicateUsername(field="username", value=user.username)
    created = User(
        username=user.username,
        display_name=user.display_name or user.username,
        password_hash=hash_password(user.password),
        role=user.role,
        region_code=user.region_code,
        person_id=user.person_id,
        platform_id=user.platform_id,
    )
    session.add(created)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=created.id,
        details={"role": created.role, "region_code": created.region_code},
    )
    return created


MAX_FAILED_LOGINS = 5
"""Wrong passwords in a row that lock a login for :data:`LOCKOUT`."""
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
_HASHING = threading.BoundedSemaphore(2)
"""Argon2 takes 64 MiB a hash: at most two at once, however many logins arrive together."""


def _verify(password_hash: str, password: str) -> bool:
    with _HASHING:
        try:
            return bool(_hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


def hash_password(password: str) -> str:
    with _HASHING:
        return _hasher.hash(password)


def _login_name(username: str) -> str:
    """The name as typed, without surrounding space; control characters (a NUL, which
    PostgreSQL refuses in text) become U+FFFD, so no login matches and nothing breaks."""
    return "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in username.strip())


def authenticate(*, session: Session, username: str, password: str) -> User:
    """The active user with this username and password, or :class:`InvalidCredentials`; a
    login locked by too many wrong passwords is refused whatever the password
    (:class:`LoginLocked`). The caller records a failure with :func:`note_failed_login` in a
    transaction of its own (the refused request's is rolled back)."""
    user = repository.user_by_username(session, _login_name(username))
    if user is not None and user.locked_until is not None and user.locked_until > utc_now():
        raise LoginLocked(field="password", until=_china(user.locked_until))
    right = _verify(user.password_hash if user else _DUMMY_HASH, password)
    if not right or user is None or not is_live(user):
        raise InvalidCredentials(field="password")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    return user


def note_failed_login(*, session: Session, username: str, source: str) -> LoginLocked | None:
    """Count a wrong password against the login (locking it at the limit) and audit it; the
    username is recorded, never the password. Returns the lock when this failure set it."""
    name = _login_name(username)
    user = repository.user_by_username(session, name, lock=True)
    locked = False
    if user is not None and not (user.locked_until and user.locked_until > utc_now()):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = utc_now() + LOCKOUT
            user.failed_logins = 0
            locked = True
    audit.record(
        session,
        actor=Actor(
            user_id=user.id if user else None,
            username=name[:60] or "-",
            role=user.role if user else "unknown",
            region_code=user.region_code if user else None,
            source=source,
        ),
        action="user.login_locked" if locked else "user.login_failed",
        entity="user",
        entity_id=user.id if user else "-",
    )
    if locked and user is not None and user.locked_until is not None:
        return LoginLocked(field="password", until=_china(user.locked_until))
    return None


def _china(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _checked_new_password(password: str, *, username: str, field: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > 200:
        raise PasswordRefused(
            field=field,
            reason_zh=f"密码至少 {MIN_PASSWORD_LENGTH} 个字符",
            reason_en=f"a password has at least {MIN_PASSWORD_LENGTH} characters",
        )
    if username.lower() in password.lower():
        raise PasswordRefused(
            field=field, reason_zh="密码不能包含用户名", reason_en="it must not hold the username"
        )


def change_password(
    *, session: Session, actor: Actor, current: str, new: str, keep_session: str | None
) -> User:
    """修改密码: anyone changes their own, giving the current one. Their other sessions end."""
    user = repository.get_user(session, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound(field="user", what="user", key=actor.username)
    if not _verify(user.password_hash, current):
        raise InvalidCredentials(field="current_password")
    _checked_new_password(new, username=user.username, field="new_password")
    if _verify(user.password_hash, new):
        raise PasswordRefused(
            field="new_password",
            reason_zh="新密码不能与原密码相同",
            reason_en="the new password must differ from the current one",
        )
    user.password_hash = hash_password(new)
    user.password_changed_at = utc_now()
    user.must_change_password = False
    _end_sessions(session, user.id, keep=_sha256(keep_session) if keep_session else None)
    audit.record(
        session, actor=actor, action="user.password_change", entity="user", entity_id=user.id
    )
    return user


def user_named(session: Session, username: str) -> User:
    """The login called ``username`` (the command line names logins), or a refusal."""
    user = repository.user_by_username(session, username)
    if user is None:
        raise NotFound(field="username", what="user", key=username)
    return user


def _managed_user(session: Session, actor: Actor, user_id: int) -> User:
    """A login ``actor`` may administer: inside their region."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(field="user_id", what="user", key=user_id)
    authorize(actor, "user.manage", Target(region_code=user.region_code), field="user_id")
    return user


def reset_password(*, session: Session, actor: Actor, user_id: int, new: str) -> User:
    """重置密码 by an administrator: a temporary password the user must change at their next
    login; the login is unlocked and its sessions end."""
    user = _managed_user(session, actor, user_id)
    _checked_new_password(new, username=user.username, field="password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utc_now()
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    _end_sessions(session, user.id)
    audit.record(
        session, actor=actor, action="user.password_reset", entity="user", entity_id=user.id
    )
    return user


def update_user(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    role: str | None = None,
    region_code: str | None = None,
    active: bool | None = None,
    expires_on: date | Literal["never"] | None = None,
) -> User:
    """An administrator changes a login's role, region, whether it may log in, or the day after
    which it may not (``expires_on``; ``"never"`` clears it). The new region must lie in theirs
    and suit the role; disabling ends its sessions, and so does the end of its last day."""
    user = _managed_user(session, actor, user_id)
    if actor.user_id == user.id and (active is False or role not in (None, user.role)):
        raise InvalidUserBinding(
            field="active",
            reason_zh="不能停用或降低自己的账号",
            reason_en="you cannot disable your own login or change its role",
        )
    new_role = role or user.role
    new_region = region_code or user.region_code
    if new_role in ("worker", "platform") and new_role != user.role:
        raise InvalidUserBinding(
            field="role",
            reason_zh="参保人和平台账号须新建并关联人员或平台",
            reason_en="worker and platform logins are created bound to their person or platform",
        )
    if new_role not in ROLE_REGION_LEVELS:
        raise InvalidUserBinding(field="role", reason_zh="未知角色", reason_en="unknown role")
    require_jurisdiction(
        session, new_region, field="region_code", levels=ROLE_REGION_LEVELS[new_role]
    )
    authorize(actor, "user.manage", Target(region_code=new_region), field="region_code")
    changes: dict[str, object] = {}
    if new_role != user.role:
        changes["role"] = [user.role, new_role]
        user.role = new_role
    if new_region != user.region_code:
        changes["region_code"] = [user.region_code, new_region]
        user.region_code = new_region
    if active is not None and active != user.active:
        changes["active"] = active
        user.active = active
        if not active:
            _end_sessions(session, user.id)
    if expires_on is not None:
        # The login works through the whole of its last day, China time.
        ends = (
            None
            if expires_on == "never"
            else datetime.combine(expires_on + timedelta(days=1), time(), tzinfo=CHINA)
        )
        if ends != user.expires_at:
            changes["expires_at"] = ends.isoformat() if ends else None
            user.expires_at = ends
    if changes:
        audit.record(
            session,
            actor=actor,
            action="user.update",
            entity="user",
            entity_id=user.id,
            details=changes,
        )
    return user


def list_users(*, session: Session, actor: Actor, region: str, page: PageRequest) -> Page[User]:
    """The logins of ``region`` (and inside it), for its administrators."""
    authorize(actor, "user.manage", Target(region_code=region), field="region")
    return repository.users_in_region(session, region, page)


def _end_sessions(session: Session, user_id: int, keep: str | None = None) -> None:
    for login in repository.live_sessions_of(session, user_id):
        if login.key_hash != keep:
            login.ended_at = utc_now()


LOGIN_SESSION_LIFETIME = timedelta(hours=8)  # one working day


def open_login_session(*, session: Session, user: User, source: str) -> str:
    """Log ``user`` in: a new server-side session; returns its key (for the cookie) once."""
    key = secrets.token_urlsafe(32)
    now = utc_now()
    login = LoginSession(
        user_id=user.id,
        key_hash=_sha256(key),
        source=source,
        created_at=now,
        expires_at=now + LOGIN_SESSION_LIFETIME,
    )
    session.add(login)
    session.flush()
    audit.record(
        session,
        actor=actor_for(user, source=source),
        action="user.login",
        entity="login_session",
        entity_id=login.id,
        details={"user_id": user.id},
    )
    return key


def user_for_login_session(*, session: Session, key: str) -> User | None:
    """The user of a live session key, or None if it is unknown, ended or expired."""
    login = repository.login_session_by_hash(session, _sha256(key))
    if login is None or login.ended_at is not None or login.expires_at <= utc_now():
        return None
    user = repository.get_user(session, login.user_id)
    return user if user is not None and is_live(user) else None


def is_live(user: User) -> bool:
    """Whether a login may act now: active, and not past the end an administrator set."""
    return user.active and (user.expires_at is None or user.expires_at > utc_now())


def close_login_session(*, session: Session, actor: Actor, key: str) -> None:
    """Log out: the session ends on the server, so a copied cookie is worthless afterwards."""
    login = repository.login_session_by_hash(session, _sha256(key))
    if login is None or login.ended_at is not None:
        return
    login.ended_at = utc_now()
    audit.record(
        session, actor=actor, action="user.logout", entity="login_session", entity_id=login.id
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TOKEN_LIFETIME_DAYS = 365
"""A token lasts a year unless issued for less; a platform rotates it before then."""


def issue_api_token(
    *, session: Session, actor: Actor, user_id: int, label: str, days: int = TOKEN_LIFETIME_DAYS
) -> tuple[str, ApiToken]:
    """A new bearer token for ``user_id``, valid for ``days`` (1 to 365). The plain token is
    returned once and never stored."""
    if not 1 <= days <= TOKEN_LIFETIME_DAYS:
        raise InvalidUserBinding(
            field="days",
            reason_zh=f"有效期应为 1 至 {TOKEN_LIFETIME_DAYS} 天",
            reason_en=f"a token lasts from 1 to {TOKEN_LIFETIME_DAYS} days",
        )
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(field="user_id", what="user", key=user_id)
    _authorize_token_issue(session, actor, user, field="user_id")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_sha256(plain),
        prefix=plain[:12],
        label=label,
        expires_at=utc_now() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.issue",
        entity="api_token",
        entity_id=token.id,
        details={"user_id": user.id, "prefix": token.prefix, "days": days},
    )
    return plain, token


def user_for_token(*, session: Session, plain: str) -> User:
    """The active user a live (not revoked) bearer token belongs to, or
    :class:`NotAuthenticated`."""
    token = token_for(session=session, plain=plain)
    user = repository.get_user(session, token.user_id)
    if user is None or not is_live(user):
        raise NotAuthenticated(field="authorization")
    return user


def token_for(*, session: Session, plain: str) -> ApiToken:
    """The live token with this plain value, or :class:`NotAuthenticated`."""
    token = repository.token_by_hash(session, _sha256(plain))
    if token is None or token.revoked_at is not None:
        raise NotAuthenticated(field="authorization")
    if token.expires_at is not None and token.expires_at <= utc_now():
        raise NotAuthenticated(field="authorization")
    return token


def _token_owner(session: Session, actor: Actor, token_id: int) -> tuple[ApiToken, User]:
    """A token and its user, if ``actor`` may manage it: the platform itself for its own
    logins' tokens, or an administrator of the login's region."""
    token = session.get(ApiToken, token_id)
    user = repository.get_user(session, token.user_id) if token else None
    if token is None or user is None:
        raise NotFound(field="token_id", what="token", key=token_id)
    if actor.role == "platform":
        authorize(
            actor,
            "platform.tokens",
            Target(region_code=user.region_code, platform_id=user.platform_id),
            field="token_id",
        )
    else:
        _authorize_token_issue(session, actor, user, field="token_id")
    return token, user


def _authorize_token_issue(session: Session, actor: Actor, user: User, *, field: str) -> None:
    """An administrator of the login's region, and for a platform's login of the platform's
    region too: a login placed in one district may be bound to a platform of another."""
    authorize(actor, "token.issue", Target(region_code=user.region_code), field=field)
    platform = repository.get_platform(session, user.platform_id) if user.platform_id else None
    if platform is not None:
        authorize(actor, "token.issue", Target(region_code=platform.region_code), field=field)


def revoke_token(*, session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token: from now on it authenticates nothing. Revoking twice changes nothing."""
    token, user = _token_owner(session, actor, token_id)
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        audit.record(
            session,
            actor=actor,
            action="token.revoke",
            entity="api_token",
            entity_id=token.id,
            details={"user_id": user.id, "prefix": token.prefix},
        )
    return token


def rotate_token(*, session: Session, actor: Actor, token_id: int) -> tuple[str, ApiToken]:
    """A new token for the same login, with the same label; the old one is revoked at once.
    The plain new token is returned once."""
    old, user = _token_owner(session, actor, token_id)
    if old.revoked_at is not None:
        raise NotAuthenticated(field="token_id")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_sha256(plain),
        prefix=plain[:12],
        label=old.label,
        expires_at=utc_now() + timedelta(days=TOKEN_LIFETIME_DAYS),
    )
    session.add(token)
    old.revoked_at = utc_now()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.rotate",
        entity="api_token",
        entity_id=token.id,
        details={"user_id": user.id, "prefix": token.prefix, "replaces": old.prefix},
    )
    return plain, token


def platform_tokens(*, session: Session, actor: Actor, platform_id: int) -> list[ApiToken]:
    """The tokens of a platform's logins, newest first (prefixes only; never the tokens)."""
    platform = repository.get_platform(session, platform_id)
    if platform is None:
        raise NotFound(field="platform_id", what="platform", key=platform_id)
    authorize(
        actor,
        "platform.read",
        Target(region_code=platform.region_code, platform_id=platform.id),
        field="platform_id",
    )
    users = [user.id for user in repository.platform_users(session, platform.id)]
    return list(repository.tokens_of(session, users))
