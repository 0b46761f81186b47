"""Policy as configuration: the reasons a moderator may give (mapped to the DSA Transparency
Database's categories), and the four-eyes rules that make a senior confirm a decision."""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.domain.errors import InvalidDecision
from tanggap.domain.model import Action, Scope


@dataclass(frozen=True)
class PolicyReason:
    code: str
    label: str  # what the moderator and the statement of reasons say
    dsa_category: str  # DSA Transparency Database `category`
    dsa_keywords: tuple[str, ...] = ()  # DSA Transparency Database `category_specification`
    actions: tuple[Action, ...] = (Action.BLOCK, Action.REMOVE_POST, Action.RESTRICT)


DEFAULT_REASONS: tuple[PolicyReason, ...] = (
    PolicyReason("terrorist_content", "Terrorist propaganda or support for a terrorist organisation",
                 "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", ("KEYWORD_TERRORIST_CONTENT",)),
    PolicyReason("violent_extremism", "Incitement to violence by an extremist group",
                 "STATEMENT_CATEGORY_VIOLENCE", ("KEYWORD_INCITEMENT_VIOLENCE_HATRED",)),
    PolicyReason("child_sexual_abuse", "Child sexual abuse material",
                 "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", ("KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",)),
    PolicyReason("illegal_hate_speech", "Illegal hate speech",
                 "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", ("KEYWORD_HATE_SPEECH",)),
    PolicyReason("illegal_gambling", "Illegal online gambling (judi online)",
                 "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", ()),
    PolicyReason("public_order", "Content that disturbs public order (meresahkan masyarakat)",
                 "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", ()),
    PolicyReason("not_violating", "No violation found", "", (), (Action.NO_ACTION, Action.UNBLOCK)),
    PolicyReason("not_reachable", "Target not found or already removed", "", (), (Action.NO_ACTION,)),
)


class PolicyTaxonomy:
    def __init__(self, reasons: tuple[PolicyReason, ...] = DEFAULT_REASONS):
        self.by_code = {reason.code: reason for reason in reasons}

    def reason(self, code: str, action: Action) -> PolicyReason:
        reason = self.by_code.get(code)
        if reason is None:
            raise InvalidDecision(f"unknown reason {code!r}; one of: {', '.join(self.by_code)}", "reason_code")
        if action not in reason.actions:
            raise InvalidDecision(f"reason {code!r} does not justify {action}", "reason_code")
        return reason

    def __iter__(self):
        return iter(self.by_code.values())


@dataclass(frozen=True)
class DecisionContext:
    """What the four-eyes rules look at besides the decision itself."""

    subscribers: int | None
    ordered_by_authority: bool


@dataclass(frozen=True)
class FourEyesRule:
    name: str
    action: Action
    global_only: bool = False
    min_subscribers: int | None = None
    only_on_orders: bool = False

    def applies(self, action: Action, scope: Scope, context: DecisionContext) -> bool:
        if action is not self.action:
            return False
        if self.global_only and not scope.is_global:
            return False
        if self.min_subscribers is not None and (context.subscribers or 0) <= self.min_subscribers:
            return False
        return not (self.only_on_orders and not context.ordered_by_authority)


DEFAULT_FOUR_EYES: tuple[FourEyesRule, ...] = (
    FourEyesRule("global block of a channel over 100,000 subscribers", Action.BLOCK,
                 global_only=True, min_subscribers=100_000),
    FourEyesRule("no action on an authority's order", Action.NO_ACTION, only_on_orders=True),
    FourEyesRule("unblock", Action.UNBLOCK),
)


def four_eyes_rule(action: Action, scope: Scope, context: DecisionContext,
                   rules: tuple[FourEyesRule, ...] = DEFAULT_FOUR_EYES) -> FourEyesRule | None:
    """The first rule that makes this decision wait for a senior's approval, if any."""
    return next((rule for rule in rules if rule.applies(action, scope, context)), None)
