"""Engines for the embedded default (SQLite, WAL) and for PostgreSQL, from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "tanggap_read_only"  # execution option: this transaction only reads


def make_engine(url: str, echo: bool = False) -> Engine:
    """hide_parameters: a database error's message (logged with its traceback) names the
    statement, never the values bound to it, which can be message bodies or password hashes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, echo)
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)


def _sqlite_engine(url: str, database: str | None, echo: bool) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from pysqlite so BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before we answer "250" or "201" (NORMAL in WAL mode can
        # lose the last commits on power loss, though not on a process crash).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers take the write lock up front (IMMEDIATE): two writers queue instead of
        # failing on a lock upgrade mid-transaction. Readers stay deferred: in WAL mode they
        # never wait for, nor block, a writer.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and say how many rows it changed. Session.execute is typed as
    returning a plain Result; for these statements it is a CursorResult, which has the count."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
