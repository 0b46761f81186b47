"""Only what the platform can do is offered: the decisions a target's platform can carry out.

The API refuses any other with 422 (``require_offered``) and the console shows only these
(``offered_actions``). ``restrict`` is never offered: no platform adapter can enforce it.
"""

from __future__ import annotations

from tanggap.domain.errors import DomainError, InvalidDecision
from tanggap.domain.model import Scope
from tanggap.domain.targets import Target, TargetKind
from tanggap.platforms.interface import Capability, Platform
from tanggap.platforms.registry import capabilities_for, network_name

POST_KINDS = (TargetKind.POST, TargetKind.PRIVATE_POST)
# What each offered choice needs of the platform. "block_in_country" is a block with a list of
# countries; "no_action" needs nothing.
NEEDS = {
    "block": Capability.BLOCK_GLOBAL,
    "block_in_country": Capability.BLOCK_IN_COUNTRY,
    "remove_post": Capability.REMOVE_POST,
    "unblock": Capability.UNBLOCK,
}


def offered_actions(platform: Platform | None, target: Target) -> frozenset[str]:
    """The choices to offer on this target: "block", "block_in_country", "remove_post",
    "unblock", "no_action". With no platform configured yet (decisions wait for
    ``tanggap enforce``) every enforceable choice stays open."""
    capabilities = frozenset(Capability) if platform is None else capabilities_for(platform, target)
    offered = {choice for choice, needed in NEEDS.items() if needed in capabilities}
    if target.kind not in POST_KINDS:
        offered.discard("remove_post")
    return frozenset(offered | {"no_action"})


def require_offered(platform: Platform | None, target: Target, action: str,
                    scope: str | list[str] | None) -> None:
    """Refuse (422, naming the field and why) a decision the target's platform cannot carry out."""
    offered = offered_actions(platform, target)
    choice = action
    if action == "block":
        try:
            choice = "block" if Scope.parse(scope).is_global else "block_in_country"
        except DomainError:
            return  # a malformed scope: the decision itself says what is wrong with it
    if choice in offered:
        return
    where = network_name(target.network)
    if choice == "block_in_country":
        raise InvalidDecision(f"{where} has no per-country visibility: this target can only be "
                              "blocked globally", "scope")
    if choice == "restrict":
        raise InvalidDecision("restrict cannot be enforced on any configured platform", "action")
    if choice == "remove_post" and target.kind not in POST_KINDS:
        raise InvalidDecision(f"remove_post needs a post target; {target} is a {target.kind}", "action")
    if choice == "unblock" and (refusal := getattr(_serving(platform, target), "unblock_refusal", None)):
        raise InvalidDecision(refusal, "action")
    raise InvalidDecision(f"the platform for {where} targets cannot {choice.replace('_', ' ')}", "action")


def _serving(platform: Platform | None, target: Target) -> Platform | None:
    for_target = getattr(platform, "for_target", None)
    if for_target is None:
        return platform
    try:
        return for_target(target)
    except Exception:  # no platform serves it: nothing more to say than the general refusal
        return None
