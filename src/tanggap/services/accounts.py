"""Authorities, staff and their credentials. Secrets are shown once and stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tanggap.domain.access import Permission, Principal
from tanggap.domain.clock import as_utc
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import ApiKey, AuditDraft, Authority, Role, User
from tanggap.store.account_security import active_keys
from tanggap.store.uow import Store, UnitOfWork

KEY_PREFIX = "tgp_"
passwords = PasswordHasher()


@dataclass(frozen=True)
class IssuedCredentials:
    """Returned once to the caller; nothing here is ever stored in clear."""

    owner_id: str
    name: str
    api_key: str
    password: str | None = None


def hash_key(api_key: str) -> str:
    # API keys are 256-bit random strings: a fast hash is safe and keeps lookups cheap.
    return hashlib.sha256(api_key.encode()).hexdigest()


def add_authority(uow: UnitOfWork, name: str, jurisdiction: str, email_domains: list[str],
                  by: Principal) -> IssuedCredentials:
    by.require(Permission.MANAGE)
    with uow:
        if uow.authorities.by_name(name):
            raise DomainError(f"authority {name!r} already exists", "name")
        authority = uow.authorities.add(
            Authority(name, jurisdiction, email_domains, created_at=uow.clock.now()))
        key = _issue_key(uow, "authority", authority.id)
        uow.record(AuditDraft("authority_added", "authority", authority.id, by.actor,
                              {"name": name, "jurisdiction": authority.jurisdiction,
                               "email_domains": authority.email_domains}))
        uow.commit()
    return IssuedCredentials(authority.id, name, key)


def add_user(uow: UnitOfWork, name: str, role: str, languages: list[str], by: Principal,
             password: str | None = None) -> IssuedCredentials:
    by.require(Permission.MANAGE)
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}", "role") from None
    password = password or secrets.token_urlsafe(15)
    with uow:
        if uow.users.by_name(name):
            raise DomainError(f"user {name!r} already exists", "name")
        user = uow.users.add(User(name, role, languages, passwords.hash(password), uow.clock.now()))
        key = _issue_key(uow, "user", user.id)
        uow.record(AuditDraft("user_added", "user", user.id, by.actor,
                              {"name": name, "role": role.value, "languages": user.languages}))
        uow.commit()
    return IssuedCredentials(user.id, name, key, password)


def _issue_key(uow: UnitOfWork, owner_type: str, owner_id: str) -> str:
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    uow.api_keys.add(ApiKey(hash_key(api_key), api_key[:8], owner_type, owner_id, uow.clock.now()))
    return api_key


def principal_for_key(uow: UnitOfWork, api_key: str) -> Principal | None:
    with uow:
        key = uow.api_keys.by_hash(hash_key(api_key))
        if key is None:
            return None
        if key.owner_type == "authority":
            authority = uow.authorities.get(key.owner_id)
            return Principal("authority", authority.id, authority.name,
                             jurisdiction=authority.jurisdiction) if authority else None
        user = uow.users.get(key.owner_id)
        return principal_for_user(user) if user and user.disabled_at is None else None


def principal_for_user(user: User) -> Principal:
    return Principal("user", user.id, user.name, Role(user.role), tuple(user.languages))


# --- login throttling ---------------------------------------------------------------------

@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # per account within the window, then the account answers 429
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings) -> LoginPolicy:
        return cls(settings.login_max_failures, settings.login_max_failures_per_address,
                   timedelta(minutes=settings.login_window_minutes))


class LoginThrottled(DomainError):
    """Too many failed logins for this account or from this address: try again later."""

    field = "name"

    def __init__(self, retry_after_s: int, message: str | None = None):
        super().__init__(message or f"too many failed logins; try again in {retry_after_s // 60 + 1} minutes")
        self.retry_after_s = retry_after_s


def login(uow: UnitOfWork, name: str, password: str, address: str = "local",
           policy: LoginPolicy = LoginPolicy()) -> Principal | None:
    """The principal, or None for a wrong name or password (audited); LoginThrottled while the
    account or the address is locked, even for the right password."""
    name, address = name[:100], (address or "unknown")[:64]
    with uow:
        now = uow.clock.now()
        since = now - policy.window
        if not uow.login_failures.try_lock(f"name:{name}", f"address:{address}"):
            raise LoginThrottled(1, "another login for this name or from this address is under way; "
                                    "try again in a moment")
        _refuse_if_throttled(uow.login_failures.recent_for_name(name, since), policy.max_failures, now, policy)
        _refuse_if_throttled(uow.login_failures.recent_for_address(address, since),
                             policy.max_failures_per_address, now, policy)
        user = uow.users.by_name(name)
        # The hash is checked first, for a missing user too: the answer takes as long either way.
        if _password_holds(user, password) and user is not None and user.disabled_at is None:
            if passwords.check_needs_rehash(user.password_hash):
                user.password_hash = passwords.hash(password)
            uow.login_failures.forget_name(name)
            uow.record(AuditDraft("console_login", "user", user.id, f"user:{user.id}", {"address": address}))
            uow.commit()
            return principal_for_user(user)
        uow.login_failures.add(name, address, now)
        reason = "disabled" if user is not None and user.disabled_at is not None and _password_holds(
            user, password) else "wrong name or password"
        uow.record(AuditDraft("login_failed", "user" if user else "login_name", user.id if user else name[:60],
                              f"address:{address}", {"name": name, "address": address, "reason": reason}))
        uow.commit()
        return None


def _refuse_if_throttled(failures: list, limit: int, now: datetime, policy: LoginPolicy) -> None:
    if len(failures) >= limit:
        # Locked until the oldest failure that still counts leaves the window.
        until = failures[-limit] + policy.window
        raise LoginThrottled(max(1, int((until - now).total_seconds())))


def _password_holds(user: User | None, password: str) -> bool:
    if user is None:
        passwords.hash(password)  # spend the same time: do not reveal which names exist
        return False
    try:
        return passwords.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- server-side console sessions ---------------------------------------------------------

@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(seconds=60)  # write last_seen_at at most this often

    @classmethod
    def from_settings(cls, settings) -> SessionPolicy:
        return cls(timedelta(minutes=settings.session_idle_minutes),
                   timedelta(hours=settings.session_absolute_hours))


def start_session(uow: UnitOfWork, user_id: str, address: str | None) -> str:
    """A new session; the token goes into the (signed) cookie, only its hash into the store."""
    token = secrets.token_urlsafe(32)
    with uow:
        uow.console_sessions.add(hash_key(token), user_id, uow.clock.now(), (address or "")[:64] or None)
        uow.commit()
    return token


def principal_for_session(store: Store, token: str, policy: SessionPolicy = SessionPolicy()) -> Principal | None:
    """The session's user while the session lives; an expired one is ended on the spot.
    Read without the write lock; written only to end it or, once a minute, to note activity."""
    token_hash = hash_key(token)
    with store.uow(read_only=True) as uow:
        row = uow.console_sessions.get(token_hash)
        if row is None:
            return None
        now = uow.clock.now()
        user = uow.users.get(row.user_id)
        last_seen, created = as_utc(row.last_seen_at), as_utc(row.created_at)
    expired = now - last_seen > policy.idle or now - created > policy.absolute
    if expired or user is None or user.disabled_at is not None:
        with store.uow() as uow:
            uow.console_sessions.end(token_hash)
            uow.commit()
        return None
    if now - last_seen > policy.touch_every:
        with store.uow() as uow:
            uow.console_sessions.touch(token_hash, now)
            uow.commit()
    return principal_for_user(user)


def end_session(uow: UnitOfWork, token: str) -> None:
    with uow:
        uow.console_sessions.end(hash_key(token))
        uow.commit()


def end_all_sessions(uow: UnitOfWork, user_id: str, by: Principal) -> int:
    """Log out everywhere: every session of the user ends now."""
    if by.id != user_id:
        by.require(Permission.MANAGE)
    with uow:
        ended = uow.console_sessions.end_all_of(user_id)
        uow.record(AuditDraft("sessions_ended", "user", user_id, by.actor, {"sessions": ended}))
        uow.commit()
    return ended


# --- disabling users, revoking and rotating keys --------------------------------------------

def set_user_disabled(uow: UnitOfWork, name: str, disabled: bool, by: Principal) -> User:
    """A disabled user loses every session and key use at once; enabling gives them back."""
    by.require(Permission.MANAGE)
    with uow:
        user = uow.users.by_name(name)
        if user is None:
            raise NotFound(f"no user {name!r}", "name")
        if disabled and user.id == by.id:
            raise DomainError("you cannot disable yourself", "name")
        if disabled == (user.disabled_at is not None):
            raise DomainError(f"user {name!r} is already {'disabled' if disabled else 'enabled'}", "name")
        user.disabled_at = uow.clock.now() if disabled else None
        if disabled:
            uow.console_sessions.end_all_of(user.id)
        else:
            uow.login_failures.forget_name(name)
        uow.record(AuditDraft("user_disabled" if disabled else "user_enabled", "user", user.id, by.actor,
                              {"name": name}))
        uow.commit()
    return user


def revoke_key(uow: UnitOfWork, prefix: str, by: Principal) -> ApiKey:
    """Revoke the one active key that starts with `prefix` (as `tanggap key list` shows it)."""
    by.require(Permission.MANAGE)
    prefix = prefix.strip()[:8]
    with uow:
        found = active_keys(uow.session, prefix=prefix)
        if not found:
            raise NotFound(f"no active key starts with {prefix!r}", "prefix")
        if len(found) > 1:
            raise DomainError(f"{len(found)} active keys start with {prefix!r}; rotate the owner's keys instead",
                              "prefix")
        key = found[0]
        key.revoked_at = uow.clock.now()
        uow.record(AuditDraft("api_key_revoked", key.owner_type, key.owner_id, by.actor, {"prefix": key.prefix}))
        uow.commit()
    return key


def rotate_keys(uow: UnitOfWork, owner_type: str, name: str, by: Principal) -> IssuedCredentials:
    """Revoke every active key of a user or an authority and issue one new key (shown once)."""
    by.require(Permission.MANAGE)
    with uow:
        owner = (uow.users if owner_type == "user" else uow.authorities).by_name(name)
        if owner is None:
            raise NotFound(f"no {owner_type} {name!r}", "name")
        now = uow.clock.now()
        revoked = active_keys(uow.session, owner_type, owner.id)
        for key in revoked:
            key.revoked_at = now
        api_key = _issue_key(uow, owner_type, owner.id)
        uow.record(AuditDraft("api_keys_rotated", owner_type, owner.id, by.actor,
                              {"revoked": [k.prefix for k in revoked], "issued": api_key[:8]}))
        uow.commit()
    return IssuedCredentials(owner.id, name, api_key)


def key_listing(uow: UnitOfWork, by: Principal) -> list[ApiKey]:
    by.require(Permission.MANAGE)
    with uow:
        return active_keys(uow.session)
