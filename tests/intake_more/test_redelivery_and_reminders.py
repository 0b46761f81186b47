"""The same message through another relay, and a reminder that quotes the order's number as
its writer typed it: both belong to the order already there."""

import quopri

from tests.intake_more.conftest import HEAD, NOMOR, email, order_targets

LETTER = ("Hal : Permintaan Penurunan Konten Terkait Terorisme \u2014 mendesak\n\nDengan hormat, kami meminta "
          "pihak Telegram untuk menurunkan kanal berikut:\n1. https://t.me/kanal_tanpa_nomor\n")


def test_the_same_message_re_encoded_by_a_relay_is_one_order(intake):
    """A relay without 8BITMIME re-encodes 8bit text as quoted-printable (Postfix does)."""
    first = intake(email(LETTER, message_id="<same@komdigi.go.id>"))
    again = intake(email(quopri.encodestring(LETTER.encode()), cte="quoted-printable",
                         message_id="<same@komdigi.go.id>"))
    assert again.order_id == first.order_id


def test_a_reminder_under_the_number_in_another_case_is_a_revision(store, intake):
    intake(email(HEAD + "1. https://t.me/kanal_satu\n", message_id="<case-1@komdigi.go.id>"))
    reminder = "Dengan hormat,\n\nKanal berikut masih aktif, mohon ditindaklanjuti:\n1. https://t.me/kanal_tiga\n"
    outcome = intake(email(reminder, subject=f"RE: [{NOMOR.lower()}] Permintaan Penurunan Konten",
                           message_id="<case-2@komdigi.go.id>"))
    assert outcome.state == "revision"
    assert order_targets(store, outcome.order_id) == ["https://t.me/kanal_satu", "https://t.me/kanal_tiga"]


def test_a_message_stored_under_the_key_before_content_digests_is_known_when_it_comes_again(store):
    from sqlalchemy import update

    from tanggap.services.intake import dedupe_key, legacy_dedupe_key, receive_raw
    from tanggap.store.tables import inbound_messages

    raw = email(LETTER, message_id="<before-upgrade@komdigi.go.id>")
    assert legacy_dedupe_key(raw) != dedupe_key(raw)
    first = receive_raw(store.uow(), raw, "imap")
    with store.uow() as uow:  # as an earlier version stored it
        uow.session.execute(update(inbound_messages).where(inbound_messages.c.id == first.inbound_id)
                            .values(dedupe_key=legacy_dedupe_key(raw)))
        uow.commit()
    again = receive_raw(store.uow(), raw, "imap")
    assert again.duplicate and again.inbound_id == first.inbound_id
