"""`tanggap intake import PATH… --json`: one line per message, the fixed contract."""

import json
import mailbox

from typer.testing import CliRunner

from tanggap.cli import app
from tests.intake_auth.corpus import (
    FOLLOW_UP_ID, NOMOR, ORDER_LETTER, OUR_MX, dmarc_pass, follow_up_styles, letter,
)

FIELDS = ["file", "message_id", "outcome", "order_reference", "order_id", "authority", "reason"]


def mails() -> dict[str, bytes]:
    _, subject, body = follow_up_styles(FOLLOW_UP_ID)[3]
    return {
        "01_order.eml": letter(ORDER_LETTER, headers=[dmarc_pass()], message_id="<o1@komdigi.go.id>"),
        "02_follow_up.eml": letter(body, subject=subject, headers=[dmarc_pass()], message_id="<o2@komdigi.go.id>"),
        "03_forged.eml": letter(ORDER_LETTER, headers=[dmarc_pass(server="evil.example")],
                                message_id="<o3@komdigi.go.id>"),
        "04_invitation.eml": letter("Kami mengundang rapat koordinasi.", subject="Undangan rapat",
                                    headers=[dmarc_pass()], message_id="<o4@komdigi.go.id>"),
        "05_complaint.eml": letter("Kanal ini menyebarkan propaganda: https://t.me/kanal_aduan_warga",
                                   subject="Aduan", sender="Warga <warga@gmail.com>",
                                   headers=[dmarc_pass("gmail.com")], message_id="<o5@gmail.com>"),
        "06_out_of_office.eml": letter("Saya cuti.", subject="Cuti", message_id="<o6@komdigi.go.id>",
                                       headers=[dmarc_pass(), ("Auto-Submitted", "auto-replied")]),
    }


def run(store_url, tmp_path, *args):
    env = {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_VAR_DIR": str(tmp_path / "var"),
           "TANGGAP_INTAKE_TRUSTED_AUTHSERV_IDS": OUR_MX, "TANGGAP_INTAKE_VERIFY_DKIM": "false"}
    return CliRunner().invoke(app, ["intake", "import", *map(str, args), "--json"], env=env)


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_import_json_reports_each_message_outcome(store, authorities, store_url, tmp_path):
    folder = tmp_path / "mails"
    folder.mkdir()
    for name, raw in mails().items():
        (folder / name).write_bytes(raw)
    result = run(store_url, tmp_path, folder)
    assert result.exit_code == 0, result.output
    got = {line["file"].rsplit("/", 1)[-1]: line for line in lines(result)}
    assert all(list(line) == FIELDS for line in got.values())
    assert {name: line["outcome"] for name, line in got.items()} == {
        "01_order.eml": "order", "02_follow_up.eml": "revision", "03_forged.eml": "quarantined",
        "04_invitation.eml": "triage", "05_complaint.eml": "report", "06_out_of_office.eml": "not_order"}
    order, follow_up = got["01_order.eml"], got["02_follow_up.eml"]
    assert (order["order_reference"], order["authority"], order["message_id"]) == (NOMOR, "Kemkomdigi",
                                                                                   "<o1@komdigi.go.id>")
    assert follow_up["order_reference"] == NOMOR and follow_up["order_id"] != order["order_id"]
    assert got["03_forged.eml"]["order_id"] is None and "Authentication-Results" in got["03_forged.eml"]["reason"]

    again = run(store_url, tmp_path, folder / "01_order.eml")
    assert [line["outcome"] for line in lines(again)] == ["duplicate"]
    assert lines(again)[0]["order_id"] == order["order_id"]


def test_import_json_reads_mbox_files_and_says_which_file_it_could_not_read(store, authorities, store_url, tmp_path):
    box = mailbox.mbox(tmp_path / "in.mbox")
    for raw in mails().values():
        box.add(mailbox.mboxMessage(raw))
    box.flush()
    result = run(store_url, tmp_path, tmp_path / "in.mbox", tmp_path / "missing.eml")
    assert result.exit_code == 1
    outcomes = [line["outcome"] for line in lines(result)]
    assert outcomes == ["order", "revision", "quarantined", "triage", "report", "not_order", None]
    assert "missing.eml" in lines(result)[-1]["file"] and lines(result)[-1]["reason"]
