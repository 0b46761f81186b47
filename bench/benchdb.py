"""The one helper the bench scripts share: a PostgreSQL database of their own, made fresh."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def fresh_postgres(url: str) -> bool:
    """Drop and create the bench database. Never a test database; False when unreachable."""
    parsed = make_url(url)
    if (parsed.database or "").startswith("test"):
        raise SystemExit(f"refusing to drop {parsed.database!r}: a test database")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        return True
    except Exception as error:  # reported; the caller skips the backend
        print(f"PostgreSQL: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return False
    finally:
        admin.dispose()


def backends(folder, postgres_url: str) -> list[tuple[str, str]]:
    """(name, URL) of the stores a bench compares: a SQLite file in `folder`, and a fresh
    PostgreSQL database when the server answers (said when it does not)."""
    from pathlib import Path

    found = [("SQLite (WAL, file)", f"sqlite:///{Path(folder) / 'bench.db'}")]
    if fresh_postgres(postgres_url):
        found.append(("PostgreSQL", postgres_url))
    else:
        print(f"PostgreSQL at {postgres_url} not reachable: skipped")
    return found
