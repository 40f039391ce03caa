"""Logins: users with a role and a region, Argon2 passwords, server-side page sessions, and API
tokens for platforms' systems. Like every service, these take a session and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.problems import NotAuthenticated, NotFound
from flexcover.registry import repository
from flexcover.registry.authz import ROLE_REGION_LEVELS, Target, authorize
from flexcover.registry.models import ApiToken, LoginSession, Person, User
from flexcover.registry.problems import DuplicateUsername, InvalidCredentials, InvalidUserBinding
from flexcover.registry.schemas import UserIn
from flexcover.registry.service import require_jurisdiction

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs what a hit does.
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
    if repository.user_by_username(session, user.username) is not None:
        raise DuplicateUsername(field="username", value=user.username)
    created = User(
        username=user.username,
        display_name=user.display_name or user.username,
        password_hash=_hasher.hash(user.password),
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


def authenticate(*, session: Session, username: str, password: str) -> User:
    """The active user with this username and password, or :class:`InvalidCredentials`."""
    user = repository.user_by_username(session, username.strip())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials(field="password") from None
    if user is None or not user.active:
        raise InvalidCredentials(field="password")
    return user


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
    return user if user is not None and user.active else None


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


def issue_api_token(
    *, session: Session, actor: Actor, user_id: int, label: str
) -> tuple[str, ApiToken]:
    """A new bearer token for ``user_id``. The plain token is returned once and never stored."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(field="user_id", what="user", key=user_id)
    authorize(actor, "token.issue", Target(region_code=user.region_code), field="user_id")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_sha256(plain),
        prefix=plain[:12],
        label=label,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.issue",
        entity="api_token",
        entity_id=token.id,
        details={"user_id": user.id, "prefix": token.prefix},
    )
    return plain, token


def user_for_token(*, session: Session, plain: str) -> User:
    """The active user a live (not revoked) bearer token belongs to, or
    :class:`NotAuthenticated`."""
    token = token_for(session=session, plain=plain)
    user = repository.get_user(session, token.user_id)
    if user is None or not user.active:
        raise NotAuthenticated(field="authorization")
    return user


def token_for(*, session: Session, plain: str) -> ApiToken:
    """The live token with this plain value, or :class:`NotAuthenticated`."""
    token = repository.token_by_hash(session, _sha256(plain))
    if token is None or token.revoked_at is not None:
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
        authorize(actor, "token.issue", Target(region_code=user.region_code), field="token_id")
    return token, user


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
    token = ApiToken(user_id=user.id, token_hash=_sha256(plain), prefix=plain[:12], label=old.label)
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
