"""Column types that give the domain its own value objects back, not strings."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from tanggap.domain.model import Scope
from tanggap.domain.targets import Target

JsonColumn = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware UTC in, aware UTC out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TargetType(TypeDecorator):
    impl = String(300)
    cache_ok = True

    def process_bind_param(self, value: Target | str | None, dialect):
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else Target.from_canonical(value)


class ScopeType(TypeDecorator):
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Scope | None, dialect):
        return None if value is None else value.as_json()

    def process_result_value(self, value, dialect):
        return None if value is None else Scope.parse(value)
