"""A database error logged with its traceback carries the statement, not the values bound to it."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tanggap.store.engine import make_engine


def test_a_database_error_does_not_repeat_the_bound_values(store_url):
    engine = make_engine(store_url)
    with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
        connection.execute(text("SELECT CAST(:secret AS INTEGER) / 0 FROM no_such_table"),
                           {"secret": "sandi-rahasia-123"})
    engine.dispose()
    assert "no_such_table" in str(raised.value)
    assert "sandi-rahasia-123" not in str(raised.value)
