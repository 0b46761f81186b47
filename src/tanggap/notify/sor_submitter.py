"""Send statements of reasons to the DSA Transparency Database (or any endpoint that speaks its
API): batches of at most 100, retried with backoff when the endpoint is down or busy, and a
`puid` the database says it already has counts as delivered, so a re-run sends nothing twice.

A statement the database refuses for another reason is reported, not recorded: once the cause
is fixed, the next run sends it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tanggap.domain.dsa import MAX_BATCH
from tanggap.domain.model import AuditDraft
from tanggap.services.statements import Statement, batches
from tanggap.store.accountability import record_delivery, settled_puids
from tanggap.store.uow import Store

log = logging.getLogger(__name__)
INDEXED = re.compile(r"statements?[._](\d+)(?:[._](\w+))?")
SUBMITTER = "tanggap:sor-submitter"
DUPLICATE_WORDS = ("not unique", "already been taken", "already exists", "duplicate")


class SubmitRefused(Exception):
    """The endpoint will not take anything from us (wrong token, wrong address): stop."""


@dataclass
class SubmitReport:
    sent: int = 0
    duplicates: int = 0
    already: int = 0  # delivered on an earlier run
    not_for_dsa: int = 0
    rejected: dict[str, str] = field(default_factory=dict)  # puid -> what the database said
    left: int = 0  # not delivered this time (endpoint down); the next run tries again


@dataclass(frozen=True)
class Endpoint:
    url: str  # the multiple-statements endpoint, e.g. https://…/api/v1/statements
    token: str | None = None
    attempts: int = 4
    backoff_s: float = 0.5
    timeout_s: float = 30.0


def submit(store: Store, statements: list[Statement], endpoint: Endpoint,
           client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep) -> SubmitReport:
    report = SubmitReport()
    candidates = [s for s in statements if s.submittable]
    report.not_for_dsa = len(statements) - len(candidates)
    with store.uow(read_only=True) as uow:
        settled = settled_puids(uow.session, [s.puid for s in candidates])
    pending = [s for s in candidates if s.puid not in settled]
    report.already = len(candidates) - len(pending)
    headers = {"Accept": "application/json"}
    if endpoint.token:
        headers["Authorization"] = f"Bearer {endpoint.token}"
    owned = client is None
    client = client or httpx.Client(timeout=endpoint.timeout_s, headers=headers)
    try:
        for batch in batches(pending, MAX_BATCH):
            if not _send(store, client, endpoint, batch, headers, report, sleep):
                break  # the endpoint is down: the next run picks up what is left
    finally:
        if owned:
            client.close()
    report.left = len(pending) - report.sent - report.duplicates - len(report.rejected)
    return report


def _send(store, client, endpoint, batch, headers, report, sleep) -> bool:
    """Deliver one batch (resending the valid rest after a refusal); False: endpoint unavailable."""
    while batch:
        answer = _post_with_retries(client, endpoint, [s.dsa for s in batch], headers, sleep)
        if answer is None:
            return False
        if answer.status_code in (401, 403):
            raise SubmitRefused(f"the endpoint refused our credentials ({answer.status_code})")
        if answer.is_success:
            _record(store, endpoint, batch, "delivered")
            report.sent += len(batch)
            return True
        duplicates, refused = _refusals(answer, batch)
        if not duplicates and not refused:
            report.rejected.update({s.puid: f"HTTP {answer.status_code}: {answer.text[:300]}" for s in batch})
            return True
        _record(store, endpoint, [s for s in batch if s.puid in duplicates], "duplicate")
        report.duplicates += len(duplicates)
        report.rejected.update(refused)
        batch = [s for s in batch if s.puid not in duplicates and s.puid not in refused]
    return True


def _post_with_retries(client, endpoint, payload, headers, sleep) -> httpx.Response | None:
    for attempt in range(1, endpoint.attempts + 1):
        try:
            answer = client.post(endpoint.url, json={"statements": payload}, headers=headers)
            if answer.status_code != 429 and answer.status_code < 500:
                return answer
            problem = f"HTTP {answer.status_code}"
        except httpx.HTTPError as error:
            problem = type(error).__name__
        log.warning("statements of reasons: attempt %d of %d failed: %s", attempt, endpoint.attempts, problem)
        if attempt < endpoint.attempts:
            sleep(min(endpoint.backoff_s * 2 ** (attempt - 1), 30.0))
    return None


def _refusals(answer: httpx.Response, batch: list[Statement]) -> tuple[set[str], dict[str, str]]:
    """(puids the database already has, puid -> why the others were refused)."""
    try:
        body = answer.json()
    except ValueError:
        return set(), {}
    if not isinstance(body, dict):
        return set(), {}
    duplicates = {str(p) for p in body.get("existing_puids") or [] if isinstance(p, (str, int))}
    refused: dict[str, str] = {}
    errors = body.get("errors") or {}
    for key, messages in (errors.items() if isinstance(errors, dict) else []):
        text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
        match = INDEXED.search(str(key))
        if match and int(match[1]) < len(batch):
            statement, name = batch[int(match[1])], match[2] or ""
        elif len(batch) == 1:
            statement, name = batch[0], str(key)
        else:
            continue
        if name == "puid" and any(word in text.lower() for word in DUPLICATE_WORDS):
            duplicates.add(statement.puid)
        else:
            refused[statement.puid] = (refused.get(statement.puid, "") + f"{name}: {text} ").strip()[:1000]
    known = {s.puid for s in batch}
    return duplicates & known, {p: why for p, why in refused.items() if p not in duplicates}


def _record(store: Store, endpoint: Endpoint, delivered: list[Statement], status: str) -> None:
    if not delivered:
        return
    with store.uow() as uow:
        now = uow.clock.now()
        for statement in delivered:
            if record_delivery(uow.session, statement.puid, statement.decision_id, status, None, endpoint.url, now):
                # The delivery and its audit entry commit together (never one without the other);
                # a delivery another submitter recorded first is its entry, not ours.
                uow.record(AuditDraft("statement_of_reasons_delivered", "decision", statement.decision_id,
                                      SUBMITTER, {"puid": statement.puid, "status": status,
                                                  "endpoint": endpoint.url}))
        uow.commit()
