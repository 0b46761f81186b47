"""Users' reports on the homeserver become user reports; the transparency sentence reaches a room."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from tanggap.domain.model import Source
from tanggap.platforms.matrix import MatrixPlatform
from tanggap.services.platform_reports import import_platform_reports


def test_event_reports_become_user_reports_once(store, synapse, matrix_users):
    owner, outsider = matrix_users["owner"], matrix_users["outsider"]
    room = synapse.create_public_room(owner, f"lapor_{uuid.uuid4().hex[:6]}", "Lapor", "", [outsider],
                                      ["ajakan jihad <script>alert(1)</script>", "biasa"])
    reported = room.event_ids[0]
    answer = synapse.call(outsider, "POST", f"/_matrix/client/v3/rooms/{quote(room.room_id, safe='')}"
                          f"/report/{quote(reported, safe='')}", json={"reason": "propaganda teroris", "score": -100})
    assert answer.status_code == 200, answer.text
    with MatrixPlatform(synapse.url, matrix_users["admin"].access_token) as matrix:
        first = import_platform_reports(store, matrix)
        again = import_platform_reports(store, matrix)
    assert first.imported >= 1 and len(first.cases_opened) >= 1
    assert again.imported == 0 and again.seen == first.seen
    with store.uow(read_only=True) as uow:
        case = next(case for case in (uow.cases.get(case_id) for case_id in first.cases_opened)
                    if case.target.event_id == reported)
        assert case.source == Source.REPORT and str(case.state) == "queued"
        assert case.target.canonical == f"https://matrix.to/#/{room.room_id}/{reported}"
        [report] = uow.reports.for_case(case.id)
        assert report.reporter == f"matrix:{outsider.user_id}" and report.reason == "propaganda teroris"


def test_the_transparency_sentence_is_posted_to_a_room(synapse, matrix_users):
    owner, member = matrix_users["owner"], matrix_users["member"]
    room = synapse.create_public_room(owner, f"transparansi_{uuid.uuid4().hex[:6]}", "Transparansi", "", [member])
    sentence = "3 terrorist channels banned on November 28. Total this month: 41"
    with MatrixPlatform(synapse.url, matrix_users["admin"].access_token) as matrix:
        first = matrix.post_message(room.alias, sentence, key="transparency:2026-11-28")
        again = matrix.post_message(room.alias, sentence, key="transparency:2026-11-28")
    assert first == again  # the retry posted nothing new
    read = synapse.call(member, "GET", f"/_matrix/client/v3/rooms/{quote(room.room_id, safe='')}/messages",
                        params={"dir": "b", "limit": 10}).json()
    bodies = [event["content"].get("body") for event in read["chunk"] if event["type"] == "m.room.message"]
    assert bodies.count(sentence) == 1
