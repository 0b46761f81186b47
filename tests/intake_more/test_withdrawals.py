"""A withdrawal or a correction from the authority is never read as the order asked again.

Both arrive as replies under the order's number and name its channels, so they look like a
follow-up; a follow-up is filed as a revision whose targets are the union of old and new. For a
withdrawal that would act on the very channel the authority says to leave alone, and for a
correction it would keep acting on the channel the authority says it named by mistake. Chosen:
an authenticated withdrawal or correction goes to triage (a person, with the clock), and the
reason names the order it concerns; nothing is dropped and the order is not changed.
"""

from tanggap.intake.parse import parse_message
from tests.intake_more.conftest import GARDA, HEAD, MINISTRY, NOMOR, email, inbound_row, order_targets

ORDER = HEAD + "1. https://t.me/kanal_satu\n2. https://t.me/kanal_dua\n"
QUOTE = "\n\nPada Sel, 5 Mei 2026 10.00, Direktorat <aduankonten@komdigi.go.id> menulis:\n" + "".join(
    f"> {line}\n" for line in ORDER.splitlines())


def test_a_withdrawal_in_indonesian_goes_to_triage_and_leaves_the_order_alone(store, intake):
    first = intake(email(ORDER, message_id="<order-1@komdigi.go.id>"))
    assert first.state == "order"
    withdrawal = ("Dengan hormat,\n\nBersama ini kami sampaikan pencabutan permintaan penurunan konten pada "
                  f"surat kami Nomor {NOMOR}. Kanal https://t.me/kanal_dua tidak perlu ditindaklanjuti "
                  "karena telah diverifikasi. Mohon akses kanal tersebut dipulihkan.\n" + QUOTE)
    outcome = intake(email(withdrawal, subject="Re: Permintaan Penurunan Konten",
                           message_id="<withdraw-1@komdigi.go.id>"))
    assert outcome.state == "triage"
    assert "withdraw" in outcome.reason and NOMOR in outcome.reason
    assert order_targets(store, first.order_id) == ["https://t.me/kanal_dua", "https://t.me/kanal_satu"]
    assert inbound_row(store, outcome.inbound_id).order_id is None
    parsed = parse_message(email(withdrawal, subject="Re: Permintaan Penurunan Konten"))
    assert (parsed.is_order, parsed.order_reference, parsed.retracts) == (False, None, NOMOR)


def test_an_eu_withdrawal_of_a_removal_order_is_not_a_one_hour_order(intake):
    text = ("Dear Telegram team,\n\nWe hereby withdraw removal order TCO-IE-2026-000214 issued under "
            "Regulation (EU) 2021/784. Please do not remove https://t.me/kanal_dua; the order was "
            "issued in error.\n")
    outcome = intake(email(text, sender=GARDA, subject="Withdrawal of removal order TCO-IE-2026-000214",
                           message_id="<w-2@garda.ie>"))
    assert outcome.state == "triage"
    assert "TCO-IE-2026-000214" in outcome.reason


def test_a_normalisation_request_is_a_withdrawal_too(intake):
    text = (f"Nomor : B-0710/DJWD/PW.02.01/05/2026\nHal : Permohonan Normalisasi Kanal\n\n"
            f"Menindaklanjuti surat kami Nomor {NOMOR}, mohon dilakukan normalisasi (buka blokir) "
            "terhadap kanal https://t.me/kanal_dua.\n")
    outcome = intake(email(text, subject="Permohonan Normalisasi Kanal", message_id="<norm@komdigi.go.id>"))
    assert outcome.state == "triage"
    assert "withdraw" in outcome.reason


def test_a_correction_goes_to_triage_rather_than_keeping_the_mistaken_channel(store, intake):
    first = intake(email(ORDER, message_id="<order-2@komdigi.go.id>"))
    correction = (f"Dengan hormat,\n\nRalat atas surat kami Nomor {NOMOR}: kanal nomor 2 seharusnya "
                  "https://t.me/kanal_dua_benar (bukan t.me/kanal_dua). Mohon diturunkan.\n" + QUOTE)
    outcome = intake(email(correction, subject="Ralat: Permintaan Penurunan Konten",
                           message_id="<ralat-1@komdigi.go.id>"))
    assert outcome.state == "triage"
    assert "correct" in outcome.reason and NOMOR in outcome.reason
    assert order_targets(store, first.order_id) == ["https://t.me/kanal_dua", "https://t.me/kanal_satu"]


def test_an_order_that_mentions_cancelled_accounts_in_passing_is_still_an_order(intake):
    text = HEAD + ("1. https://t.me/kanal_baru_satu\n2. https://t.me/kanal_baru_dua\n\n"
                   "Kanal-kanal ini merupakan pengganti akun yang sebelumnya telah diblokir.\n")
    assert intake(email(text, message_id="<plain-order@komdigi.go.id>")).state == "order"


def test_an_order_that_threatens_revocation_or_speaks_of_public_order_is_still_an_order(intake):
    sanctions = HEAD + ("1. https://t.me/kanal_sanksi\n\nApabila surat ini tidak ditindaklanjuti, maka status "
                        "pendaftaran PSE Anda dapat dicabut sesuai ketentuan, termasuk pemutusan akses.\n")
    assert intake(email(sanctions, message_id="<sanction@komdigi.go.id>")).state == "order"
    eu = ("Removal order under Regulation (EU) 2021/784\nReference: TCO-IE-2026-000300\n\nTo restore public "
          "order and protect the public, you must remove or disable access to https://t.me/kanal_eu_tco. "
          "A request to cancel this order may be made to the competent authority.\n")
    outcome = intake(email(eu, sender=GARDA, subject="Removal order TCO-IE-2026-000300",
                           message_id="<tco-300@garda.ie>"))
    assert outcome.state == "order"


def test_hereby_withdrawn_in_either_language_is_a_withdrawal(intake):
    letters = [(f"Permintaan pada surat kami Nomor {NOMOR} dengan ini dicabut.\n", MINISTRY),
               ("Removal order TCO-IE-2026-000214 under Regulation (EU) 2021/784 is hereby withdrawn.\n", GARDA)]
    for number, (text, sender) in enumerate(letters):
        raw = email(text, sender=sender, message_id=f"<hereby-{number}@example>")
        outcome = intake(raw)
        assert outcome.state == "triage" and "withdraw" in outcome.reason, outcome.reason


def test_a_reply_to_our_acknowledgement_names_our_order_id(store, intake):
    from tanggap.domain.access import SYSTEM
    from tanggap.notify.replies import acknowledgement
    from tanggap.services.orders import order_status

    first = intake(email(HEAD.replace(f"Nomor    : {NOMOR}\n", "") + "1. https://t.me/kanal_tanpa_nomor\n",
                         message_id="<no-number@komdigi.go.id>"))
    status = order_status(store.uow(read_only=True), first.order_id, SYSTEM)
    ack = acknowledgement(status, "aduankonten@komdigi.go.id", "abuse@platform.example",
                          "Permintaan Penurunan Konten", "<no-number@komdigi.go.id>")
    quoted = "".join(f"> {line}\n" for line in ack.get_content().splitlines())
    reply = "Terima kasih. Mohon informasi perkembangannya.\n\nPada Sel, Tanggap menulis:\n" + quoted
    parsed = parse_message(email(reply, subject=f"Re: [{first.order_id}] Permintaan Penurunan Konten"))
    assert parsed.named_order_ids == (first.order_id,)
