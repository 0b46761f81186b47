"""Authorities, staff and their credentials. Secrets are shown once and stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import DomainError
from tanggap.domain.model import ApiKey, AuditDraft, Authority, Role, User
from tanggap.store.uow import UnitOfWork

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
        return principal_for_user(user) if user else None


def principal_for_user(user: User) -> Principal:
    return Principal("user", user.id, user.name, Role(user.role), tuple(user.languages))


def login(uow: UnitOfWork, name: str, password: str) -> Principal | None:
    with uow:
        user = uow.users.by_name(name)
        if user is None:
            passwords.hash(password)  # spend the same time: do not reveal which names exist
            return None
        try:
            passwords.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if passwords.check_needs_rehash(user.password_hash):
            user.password_hash = passwords.hash(password)
            uow.commit()
        return principal_for_user(user)
