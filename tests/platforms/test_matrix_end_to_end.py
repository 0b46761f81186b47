"""End to end on a real Synapse: an authority's order naming Matrix rooms, through Tanggap's
HTTP API, to a decision that shuts the room down for ordinary users, with evidence and audit."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote

import httpx
import pytest

from tanggap.bus.runner import BackgroundWorkers, effects_workers, transport_from_settings
from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.platforms.loader import configured_platform
from tanggap.platforms.matrix import MatrixPlatform
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_authority, add_user
from tanggap.services.audit import verify_audit_log
from tanggap.store.audit_log import events_for
from tanggap.web.app import create_app
from tests.platforms.synapse import png_bytes


@pytest.fixture
def tanggap_on_matrix(store, store_url, tmp_path, synapse, matrix_users):
    """``tanggap serve`` as configured by the three Matrix settings alone, over real HTTP."""
    settings = Settings(database_url=store_url, var_dir=tmp_path / "var", secret_key="test-secret",
                        enforcement_backoff_s=0.01, platform="matrix",
                        matrix_homeserver_url=synapse.url,
                        matrix_admin_token=matrix_users["admin"].access_token)
    platform = configured_platform(settings)
    assert isinstance(platform, MatrixPlatform)
    # As `tanggap serve` runs: the API answers at once, an in-process effects worker enforces.
    effects = BackgroundWorkers(store, transport_from_settings(settings, store),
                                effects_workers(store, platform, settings)).start()
    with BackgroundServer(create_app(settings, store=store, platform=platform)) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        yield http
    effects.stop()
    platform.close()


def enforced(http, moderator: str, case_id: str, timeout_s: float = 60.0) -> dict:
    """The case's enforcement once the effects worker has finished with it."""
    deadline = time.monotonic() + timeout_s
    while True:
        case = http.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator)).json()
        enforcement = (case.get("enforcements") or [{}])[-1]
        if enforcement.get("status") in ("confirmed", "failed") or time.monotonic() > deadline:
            return case
        time.sleep(0.1)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_an_order_for_a_room_ends_with_the_room_shut_down(tanggap_on_matrix, store, synapse,
                                                          matrix_users):
    http = tanggap_on_matrix
    owner, member, outsider = matrix_users["owner"], matrix_users["member"], matrix_users["outsider"]
    suffix = uuid.uuid4().hex[:6]
    room = synapse.create_public_room(owner, f"some_room_{suffix}", "Kabar Daulah", "seruan",
                                      [member], ["bergabunglah dengan daulah", "rilis baru"],
                                      png_bytes(7))
    other = synapse.create_public_room(owner, f"other_room_{suffix}", "Lain", "", [member], ["halo"])
    ministry = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key
    moderator = add_user(store.uow(), "sari", "moderator", ["id", "en"], SYSTEM).api_key

    order = http.post("/api/v1/orders", headers=bearer(ministry), json={
        "reference": f"B-{suffix}/DJAI/AI.03.01/2026", "category": "terrorism",
        "legal_basis": "UU 5/2018",
        "targets": [room.alias, f"https://matrix.to/#/{quote(other.alias)}?via=localhost",
                    "https://t.me/kabar_mujahid", room.event_ids[0]]})
    assert order.status_code == 201, order.text
    body = order.json()
    assert [t["target"] for t in body["targets"]] == [
        f"https://matrix.to/#/{room.alias}", f"https://matrix.to/#/{other.alias}"]
    reasons = {r["input"]: r["reason"] for r in body["rejected"]}
    assert "no platform for Telegram (t.me) targets is configured" in reasons["https://t.me/kabar_mujahid"]
    assert "without its room" in reasons[room.event_ids[0]]
    case_id = body["targets"][0]["case_id"]

    # Matrix has no per-country visibility: refused with a reason, nothing decided.
    by_country = http.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator),
                           json={"action": "block", "scope": ["ID"], "reason": "propaganda"})
    assert by_country.status_code == 422
    assert by_country.json()["errors"][0]["field"] == "scope"
    assert "per-country" in by_country.json()["detail"]
    assert http.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator)).json()["decisions"] == []

    decided = http.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator),
                        json={"action": "block", "scope": "global", "reason": "terrorist propaganda",
                              "reason_code": "terrorist_content"})
    assert decided.status_code == 201, decided.text
    assert decided.json()["enforcement"]["status"] == "pending"  # the request did not wait
    case = enforced(http, moderator, case_id)
    enforcement = case["enforcements"][-1]
    assert enforcement["status"] == "confirmed", enforcement
    assert enforcement["platform_reference"].startswith("shutdown:")
    assert case["state"] == "actioned"

    # Gone for an ordinary user: not listed, cannot join (by id or alias), cannot read.
    room_path = quote(room.room_id, safe="")
    for joined in (synapse.call(outsider, "POST", f"/_matrix/client/v3/join/{room_path}"),
                   synapse.call(outsider, "POST", f"/_matrix/client/v3/join/{quote(room.alias, safe='')}")):
        assert joined.status_code >= 400 and "blocked" in joined.json()["error"], joined.text
    assert synapse.call(outsider, "GET", f"/_matrix/client/v3/rooms/{room_path}/messages",
                        params={"dir": "b"}).status_code == 403
    assert synapse.call(member, "GET", f"/_matrix/client/v3/rooms/{room_path}/messages",
                        params={"dir": "b"}).status_code == 403  # members were removed too
    directory = synapse.call(outsider, "POST", "/_matrix/client/v3/publicRooms", json={"limit": 500}).json()
    assert room.room_id not in {r["room_id"] for r in directory["chunk"]}

    # The evidence is kept: on the homeserver (not purged) and in Tanggap (copied before).
    kept = synapse.call(matrix_users["admin"], "GET", f"/_synapse/admin/v1/rooms/{room_path}/messages",
                        params={"dir": "b", "limit": 50})
    assert "bergabunglah dengan daulah" in kept.text
    with store.uow(read_only=True) as uow:
        case_events = events_for(uow.session, "case", case_id)
        enforcement_events = events_for(uow.session, "enforcement", enforcement["enforcement_id"])
        assert verify_audit_log(uow).broken is None
    confirmed = next(e for e in enforcement_events if e.kind == "enforcement_confirmed")
    evidence = http.get(f"/api/v1/evidence/{confirmed.payload['evidence']}", headers=bearer(moderator))
    assert evidence.status_code == 200
    copy = json.loads(evidence.content)
    assert copy["room_id"] == room.room_id
    assert {e["content"].get("body") for e in copy["events"]} >= {"bergabunglah dengan daulah", "rilis baru"}
    assert {m for m in copy["members"]} >= {owner.user_id, member.user_id}
    # ... and the audit log has it all.
    kinds = [e.kind for e in case_events]
    assert "case_opened" in kinds and "order_attached" in kinds and "case_decide" in kinds
    assert confirmed.payload["platform_reference"] == enforcement["platform_reference"]

    # A shut-down room cannot come back: unblock is not offered, and says why.
    unblock = http.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator),
                        json={"action": "unblock", "reason": "appeal"})
    assert unblock.status_code == 422 and "cannot unblock" in unblock.json()["detail"]

    # The other room is untouched.
    assert synapse.call(outsider, "POST", f"/_matrix/client/v3/join/{quote(other.room_id, safe='')}").status_code == 200


def test_a_single_event_is_removed_and_its_room_stays(tanggap_on_matrix, store, synapse, matrix_users):
    http = tanggap_on_matrix
    owner, outsider = matrix_users["owner"], matrix_users["outsider"]
    suffix = uuid.uuid4().hex[:6]
    room = synapse.create_public_room(owner, f"mixed_{suffix}", "Campur", "", [], ["biasa saja"], png_bytes(3))
    poster = room.image_event_ids[0]
    ministry = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key
    moderator = add_user(store.uow(), "sari", "moderator", ["id", "en"], SYSTEM).api_key
    link = f"https://matrix.to/#/{room.room_id}/{poster}?via=localhost"
    body = http.post("/api/v1/orders", headers=bearer(ministry), json={
        "reference": f"B-{suffix}", "category": "terrorism", "targets": [link]}).json()
    case_id = body["targets"][0]["case_id"]
    decided = http.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator),
                        json={"action": "remove_post", "reason": "terrorist propaganda image"})
    assert decided.status_code == 201, decided.text
    enforcement = enforced(http, moderator, case_id)["enforcements"][-1]
    assert enforcement["status"] == "confirmed"
    with store.uow(read_only=True) as uow:
        confirmed = next(e for e in events_for(uow.session, "enforcement", enforcement["enforcement_id"])
                         if e.kind == "enforcement_confirmed")
    copy = json.loads(http.get(f"/api/v1/evidence/{confirmed.payload['evidence']}",
                               headers=bearer(moderator)).content)
    assert copy["event"]["event_id"] == poster and copy["event"]["content"]["url"] == room.image_mxcs[0]
    room_path = quote(room.room_id, safe="")
    assert synapse.call(outsider, "POST", f"/_matrix/client/v3/join/{room_path}").status_code == 200
    event = synapse.call(outsider, "GET", f"/_matrix/client/v3/rooms/{room_path}/event/{quote(poster, safe='')}")
    assert event.status_code == 200 and event.json()["content"] == {}  # redacted
    # Its image is quarantined: nobody can download it any more.
    media = synapse.call(outsider, "GET", "/_matrix/client/v1/media/download/"
                         + room.image_mxcs[0].removeprefix("mxc://"))
    assert media.status_code == 404
    synapse.call(outsider, "POST", f"/_matrix/client/v3/rooms/{room_path}/leave")
