"""Carry out decided actions on the platform: idempotent, retried with backoff, recorded.

A platform error never leaves a case looking actioned: the case moves to `actioned` only
after the platform has confirmed, and a failed enforcement stays `pending` for the next sweep.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from tanggap.domain.access import SYSTEM
from tanggap.domain.errors import NotFound
from tanggap.domain.model import Action, EnforcementStatus, Scope
from tanggap.domain.targets import Target
from tanggap.platforms.interface import Capability, EnforcementResult, Platform, PlatformError
from tanggap.platforms.registry import PlatformRegistry, capabilities_for
from tanggap.services.evidence import preserve_evidence
from tanggap.store.platform_evidence import keep_evidence
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0


@dataclass(frozen=True)
class EnforcementOutcome:
    enforcement_id: str
    status: EnforcementStatus
    tries: int
    error: str | None = None


def carry_out(store: Store, platform: Platform, enforcement_id: str,
              retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep,
              ) -> EnforcementOutcome:
    with store.uow(read_only=True) as uow:
        enforcement = uow.enforcements.get(enforcement_id)
        if enforcement.status is not EnforcementStatus.PENDING:
            return EnforcementOutcome(enforcement_id, enforcement.status, 0)
        case = uow.cases.get(enforcement.case_id)
        refusal = "no such case" if case is None else case.enforcement_refusal(enforcement)
        action, target, scope, key = (enforcement.action, enforcement.target, enforcement.scope,
                                      enforcement.idempotency_key)
    if refusal is not None:
        return _refuse(store, enforcement_id, refusal)
    if action is not Action.UNBLOCK:  # what the decision rests on, frozen before it is enforced
        preserve_evidence(store, platform, enforcement.case_id, enforcement.decision_id)
    # The platform call happens outside any transaction: no lock is held while we wait.
    result, error, tries = _call_with_retries(platform, action, target, scope, key, retry, sleep)
    with store.uow() as uow:
        enforcement = uow.enforcements.get(enforcement_id)
        case = uow.cases.get_for_update(enforcement.case_id)
        if case is None:
            raise NotFound(f"no case {enforcement.case_id}")
        uow.enforcements.reload(enforcement)  # read again under the case's lock: another worker may have finished it
        if enforcement.status is not EnforcementStatus.PENDING:
            return EnforcementOutcome(enforcement_id, enforcement.status, tries)
        now = uow.clock.now()
        if result is not None:
            evidence = _keep_evidence(uow, result, now)
            enforcement.confirm(result.reference, now, SYSTEM.actor, tries, evidence=evidence)
            case.enforced(enforcement, SYSTEM.actor)
        else:
            enforcement.attempt_failed(str(error), now, permanent=not error.transient,
                                       actor=SYSTEM.actor, tries=tries)
            log.warning("enforcement failed", extra={"enforcement_id": enforcement_id,
                                                     "case_id": case.id, "error": str(error)})
        uow.commit()
        return EnforcementOutcome(enforcement_id, enforcement.status, tries,
                                  None if result else str(error))


def _refuse(store: Store, enforcement_id: str, refusal: str) -> EnforcementOutcome:
    """Never sent to the platform: it fails for good, on the record, for a person to look at."""
    with store.uow() as uow:
        enforcement = uow.enforcements.get(enforcement_id)
        case = uow.cases.get_for_update(enforcement.case_id)
        uow.enforcements.reload(enforcement)
        if enforcement.status is EnforcementStatus.PENDING:
            enforcement.attempt_failed(f"refused: {refusal}", uow.clock.now(), permanent=True,
                                       actor=SYSTEM.actor, tries=0)
            log.warning("enforcement refused", extra={"enforcement_id": enforcement_id,
                                                      "case_id": case.id if case else None, "error": refusal})
        uow.commit()
        return EnforcementOutcome(enforcement_id, enforcement.status, 0, refusal)


def _keep_evidence(uow, result: EnforcementResult, now) -> str | None:
    """The platform's copy of what it acted on (taken before acting), kept by its SHA-256."""
    copied = result.detail.get("evidence")
    if not copied:
        return None
    content = json.dumps(copied, sort_keys=True, ensure_ascii=False, default=str).encode()
    return keep_evidence(uow, content, now)


def carry_out_pending(store: Store, platform: Platform, retry: RetryPolicy = RetryPolicy(),
                      sleep: Callable[[float], None] = time.sleep, limit: int = 1000,
                      ) -> list[EnforcementOutcome]:
    """The sweep: retry every enforcement still pending (after a platform outage, a crash)."""
    with store.uow(read_only=True) as uow:
        pending = uow.enforcements.pending_ids(limit)
    return [carry_out(store, platform, enforcement_id, retry, sleep) for enforcement_id in pending]


def _call_with_retries(platform, action, target, scope, key, retry, sleep):
    tries = 0
    retrying = Retrying(
        stop=stop_after_attempt(retry.attempts),
        wait=wait_exponential(multiplier=retry.backoff_s, max=retry.max_backoff_s),
        retry=retry_if_exception(lambda e: isinstance(e, PlatformError) and e.transient),
        sleep=sleep, reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                tries += 1
                return _perform(platform, action, target, scope, key), None, tries
    except PlatformError as error:
        return None, error, tries


def _perform(platform: Platform, action: Action, target: Target, scope: Scope, key: str) -> EnforcementResult:
    # Ask the adapter that serves this target (several platforms may be configured); an action
    # it cannot do fails for good, with its reason, instead of being tried.
    capabilities = capabilities_for(platform, target)
    match action:
        case Action.BLOCK:
            needed = Capability.BLOCK_GLOBAL if scope.is_global else Capability.BLOCK_IN_COUNTRY
            if needed not in capabilities:
                raise PlatformError(f"platform {platform.name} cannot {needed.value} on {target}",
                                    transient=False)
            return platform.block(target, scope, key)
        case Action.UNBLOCK:
            if Capability.UNBLOCK not in capabilities:
                refusal = getattr(_serving(platform, target), "unblock_refusal", None)
                raise PlatformError(refusal or f"platform {platform.name} cannot unblock {target}",
                                    transient=False)
            return platform.unblock(target, key)
        case Action.REMOVE_POST:
            if Capability.REMOVE_POST not in capabilities:
                raise PlatformError(f"platform {platform.name} cannot remove a post on {target}",
                                    transient=False)
            return platform.remove_post(target, key)
    raise PlatformError(f"action {action} is not supported on {platform.name}", transient=False)


def _serving(platform: Platform, target: Target) -> Platform | None:
    if isinstance(platform, PlatformRegistry):
        try:
            return platform.for_target(target)
        except PlatformError:
            return None
    return platform
