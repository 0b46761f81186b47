"""Console sessions and failed logins: the rows behind logout, timeouts and login throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from tanggap.domain.model import ApiKey, new_id
from tanggap.store.engine import rows_changed
from tanggap.store.tables import api_keys, console_sessions, login_failures


class ConsoleSessions:
    def __init__(self, session: Session):
        self.session = session

    def add(self, token_hash: str, user_id: str, at: datetime, address: str | None) -> None:
        self.session.execute(insert(console_sessions).values(
            token_hash=token_hash, user_id=user_id, created_at=at, last_seen_at=at, address=address))

    def get(self, token_hash: str):
        return self.session.execute(
            select(console_sessions).where(console_sessions.c.token_hash == token_hash)).first()

    def touch(self, token_hash: str, at: datetime) -> None:
        self.session.execute(update(console_sessions).where(console_sessions.c.token_hash == token_hash)
                             .values(last_seen_at=at))

    def end(self, token_hash: str) -> int:
        return rows_changed(self.session, delete(console_sessions).where(console_sessions.c.token_hash == token_hash))

    def end_all_of(self, user_id: str) -> int:
        return rows_changed(self.session, delete(console_sessions).where(console_sessions.c.user_id == user_id))

    def count_of(self, user_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(console_sessions)
                                   .where(console_sessions.c.user_id == user_id)) or 0


# The class half of the two-key advisory locks of login attempts (the audit chain's lock, one
# bigint, has other high bits): "LOG".
LOGIN_LOCK_CLASS = 0x4C4F47


class LoginFailures:
    def __init__(self, session: Session):
        self.session = session

    def try_lock(self, *keys: str) -> bool:
        """Hold each key (a name, an address) until this transaction ends, or say False at once
        when another login attempt holds one. Without it, guesses sent in parallel all read the
        failures before any of them is written, and each gets past the limit. Not waiting: a
        queue of guesses would hold the pool's connections while it waits.
        SQLite: True; the transaction holds the database's write lock already (BEGIN IMMEDIATE)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        return all(self.session.scalar(text("SELECT pg_try_advisory_xact_lock(:class, hashtext(:key))"),
                                       {"class": LOGIN_LOCK_CLASS, "key": key})
                   for key in keys)

    def add(self, name: str, address: str, at: datetime) -> None:
        self.session.execute(insert(login_failures).values(id=new_id(), name=name, address=address, at=at))

    def recent_for_name(self, name: str, since: datetime) -> list[datetime]:
        return list(self.session.scalars(select(login_failures.c.at).where(
            login_failures.c.name == name, login_failures.c.at > since).order_by(login_failures.c.at)))

    def recent_for_address(self, address: str, since: datetime) -> list[datetime]:
        return list(self.session.scalars(select(login_failures.c.at).where(
            login_failures.c.address == address, login_failures.c.at > since).order_by(login_failures.c.at)))

    def forget_name(self, name: str) -> None:
        self.session.execute(delete(login_failures).where(login_failures.c.name == name))


def active_keys(session: Session, owner_type: str | None = None, owner_id: str | None = None,
                prefix: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).where(api_keys.c.revoked_at.is_(None))
    if owner_type:
        query = query.where(api_keys.c.owner_type == owner_type, api_keys.c.owner_id == owner_id)
    if prefix:
        query = query.where(api_keys.c.prefix == prefix)
    return list(session.scalars(query.order_by(api_keys.c.created_at)))
