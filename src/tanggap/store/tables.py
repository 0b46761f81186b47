"""Tables, and the imperative mapping of domain classes onto them (the domain stays plain)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Enum, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
    Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.orm import registry, relationship

from tanggap.domain.model import (
    Action, ApiKey, Appeal, AppealStatus, Authority, Case, CaseState, Decision, DecisionStatus,
    Enforcement, EnforcementStatus, Order, OrderTarget, Report, Role, Source, User,
)
from tanggap.domain.targets import TargetKind
from tanggap.store.types import JsonColumn, ScopeType, TargetType, UTCDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def ID(name: str = "id", *args, **kwargs) -> Column:
    return Column(name, String(26), *args, **kwargs)


def enum_of(enum_cls) -> Enum:
    """Stored as its value in a plain string column (no native enum: migrations stay simple)."""
    return Enum(enum_cls, native_enum=False, create_constraint=False, length=20,
                values_callable=lambda members: [m.value for m in members])


authorities = Table(
    "authorities", metadata,
    ID(primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("jurisdiction", String(8), nullable=False),
    Column("email_domains", JsonColumn, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

users = Table(
    "users", metadata,
    ID(primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", enum_of(Role), nullable=False),
    Column("languages", JsonColumn, nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),  # a disabled user can neither log in nor use a key
    Column("locale", String(8)),  # the console language the user chose ("id", "en"); None: the browser's
)

# Console sessions live here, not in the cookie: logout and "log out everywhere" end them at
# once. The cookie carries a random token; only its SHA-256 is kept.
console_sessions = Table(
    "console_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    ID("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("address", String(64)),
)

# Failed logins, counted per account and per address to throttle guessing (each is audited too).
login_failures = Table(
    "login_failures", metadata,
    ID(primary_key=True),
    Column("name", String(100), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_login_failures_name_at", "name", "at"),
    Index("ix_login_failures_address_at", "address", "at"),
)

api_keys = Table(
    "api_keys", metadata,
    ID(primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("owner_type", String(20), nullable=False),
    Column("owner_id", String(26), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

cases = Table(
    "cases", metadata,
    ID(primary_key=True),
    Column("target", TargetType, nullable=False, unique=True),
    Column("kind", enum_of(TargetKind), nullable=False),
    Column("state", enum_of(CaseState), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deadline_due_at", UTCDateTime),
    Column("deadline_basis", String(100)),
    Column("category", String(40)),
    Column("severity", Integer),
    Column("source", enum_of(Source)),
    Column("actioned_at", UTCDateTime),
    Column("language", String(8)),
    Column("subscribers", BigInteger),
    Column("claimed_by", String(26)),
    Column("lease_until", UTCDateTime),
    # The strongest detection signal on the case: the queue's tie-breaker after severity.
    Column("signal_strength", Float, nullable=False, server_default="0"),
    # An unblock proposed by one person (appeal, post-hoc review) waits for another's approval.
    Column("reversal_proposed_by", String(26)),
    Column("reversal_proposed_at", UTCDateTime),
    Column("reversal_reason", Text),
    Column("reversal_appeal_id", String(26)),
    # A senior's assignment: a user id, or "team:<language>" for everyone who reads it.
    Column("assigned_to", String(40)),
    Index("ix_cases_state_deadline", "state", "deadline_due_at"),
    Index("ix_cases_state", "state", "language", "assigned_to"),  # counts per state, index-only
    # The queue's two keyset orders (services/review.py): by deadline, then by risk for cases
    # without one. The state list must name every state a queue may ask for, or PostgreSQL stops
    # using them (bench/console_latency.py).
    # "Same channel" on the case page: target LIKE 'https://t.me/name/%' (C.UTF-8 is not C).
    Index("ix_cases_target_pattern", "target", postgresql_ops={"target": "varchar_pattern_ops"}),
)

Index("ix_cases_queue_deadline", cases.c.deadline_due_at, cases.c.signal_strength.desc(), cases.c.id,
      postgresql_where=text("state IN ('queued', 'in_review', 'escalated', 'pending_approval')"
                            " AND deadline_due_at IS NOT NULL"))
Index("ix_cases_queue_risk", cases.c.signal_strength.desc(), func.coalesce(cases.c.subscribers, 0).desc(), cases.c.id,
      postgresql_where=text("state IN ('queued', 'in_review', 'escalated', 'pending_approval')"
                            " AND deadline_due_at IS NULL"))

orders = Table(
    "orders", metadata,
    ID(primary_key=True),
    ID("authority_id", ForeignKey("authorities.id"), nullable=False),
    Column("reference", String(200)),
    Column("category", String(40), nullable=False),
    Column("jurisdiction", String(8), nullable=False),
    Column("legal_basis", Text),
    Column("received_at", UTCDateTime, nullable=False),
    Column("deadline_due_at", UTCDateTime, nullable=False),
    Column("deadline_basis", String(100), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("rejected", JsonColumn, nullable=False),
    Column("raw_evidence", String(100)),
    # A follow-up e-mail under the same reference with other targets is a new revision;
    # NULL references never collide.
    Column("revision", Integer, nullable=False, server_default="1"),
    UniqueConstraint("authority_id", "reference", "revision", name="uq_orders_authority_reference"),
    Index("ix_orders_received_at", "received_at"),
)

order_targets = Table(
    "order_targets", metadata,
    ID(primary_key=True),
    ID("order_id", ForeignKey("orders.id"), nullable=False),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("target", TargetType, nullable=False),
    Column("spelling", Text, nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("order_id", "target", name="uq_order_targets_order_target"),
)

reports = Table(
    "reports", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("target", TargetType, nullable=False),
    Column("reporter", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("trusted_flagger", Boolean, nullable=False),
)

decisions = Table(
    "decisions", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("action", enum_of(Action), nullable=False),
    Column("scope", ScopeType, nullable=False),
    Column("reason", Text, nullable=False),
    Column("legal_basis", Text),
    Column("note", Text),
    Column("decided_by", String(26), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("reason_code", String(60)),
    Column("status", enum_of(DecisionStatus), nullable=False, server_default="effective"),
    Column("approval_rule", String(200)),
    Column("approved_by", String(26)),
    Column("approved_at", UTCDateTime),
    Index("ix_decisions_decided_at", "decided_at"),
)

appeals = Table(
    "appeals", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    ID("decision_id", ForeignKey("decisions.id"), nullable=False),
    Column("appellant", String(200), nullable=False),
    Column("contact", String(320)),
    Column("grounds", Text, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("status", enum_of(AppealStatus), nullable=False, index=True),
    Column("reviewed_by", String(26)),
    Column("reviewed_at", UTCDateTime),
    Column("outcome_reason", Text),
)

enforcements = Table(
    "enforcements", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    ID("decision_id", ForeignKey("decisions.id"), nullable=False),
    Column("action", enum_of(Action), nullable=False),
    Column("scope", ScopeType, nullable=False),
    Column("target", TargetType, nullable=False),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("status", enum_of(EnforcementStatus), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("platform_reference", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
)

audit_events = Table(
    "audit_events", metadata,
    # seq is assigned by the chain, not a sequence: a fork would collide on the key.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("subject_type", String(40), nullable=False),
    Column("subject_id", String(60), nullable=False),
    Column("payload", JsonColumn, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_subject", "subject_type", "subject_id"),
)

# One row per case view written to the audit log: the key that makes a redelivered CaseViewed
# one entry, looked up by primary key (the payloads of a busy case's views are never scanned).
case_views = Table(
    "case_views", metadata,
    ID("view_id", primary_key=True),
    ID("case_id", nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# Evidence from detection on a case, each with the explanation a moderator reads.
case_signals = Table(
    "case_signals", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("source", String(60), nullable=False),
    Column("strength", Float, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("details", JsonColumn, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# Raw evidence, content-addressed: the bytes exactly as received, kept at least 6 months.
evidence = Table(
    "evidence", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("retain_until", UTCDateTime, nullable=False),
)

# Every message that reached intake, whatever became of it: nothing is dropped silently.
inbound_messages = Table(
    "inbound_messages", metadata,
    ID(primary_key=True),
    Column("evidence_sha256", String(64), ForeignKey("evidence.sha256"), nullable=False),
    # Message-ID plus a hash of the content: the same e-mail delivered twice is one message.
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),  # smtp | imap | import | api
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("state", String(20), nullable=False, index=True),
    Column("reason", Text),
    Column("message_id", String(998)),
    Column("sender", String(320)),
    Column("subject", Text),
    Column("warnings", JsonColumn, nullable=False),
    ID("authority_id", ForeignKey("authorities.id")),
    ID("order_id", ForeignKey("orders.id"), index=True),
    Column("ack_sent_at", UTCDateTime),
    Column("final_sent_at", UTCDateTime),
    Column("reversals_notified", Integer, nullable=False, server_default="0"),
    Column("reviewed_by", String(60)),
    # Triage: an authority's authenticated mail that is no order yet waits for a human until then.
    Column("triage_due_at", UTCDateTime, index=True),
    Column("resolution", Text),  # what the person who settled it wrote (a dismissal's reason…)
    Column("resolved_at", UTCDateTime),
)

# Where each IMAP mailbox poller got to, so a restart neither skips nor repeats.
mailbox_state = Table(
    "mailbox_state", metadata,
    Column("mailbox", String(300), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

mapper_registry = registry(metadata=metadata)
_mapped = False


def map_domain() -> None:
    """Map the domain classes once per process (imperative mapping, as in cosmicpython)."""
    global _mapped
    if _mapped:
        return
    _mapped = True
    mapper_registry.map_imperatively(Authority, authorities)
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(ApiKey, api_keys)
    mapper_registry.map_imperatively(Decision, decisions)
    mapper_registry.map_imperatively(OrderTarget, order_targets)
    mapper_registry.map_imperatively(Report, reports)
    mapper_registry.map_imperatively(Appeal, appeals)
    # The relationships also tell the unit of work to insert decisions before enforcements.
    mapper_registry.map_imperatively(Enforcement, enforcements, properties={
        "decision": relationship(Decision, lazy="select", viewonly=False),
    })
    mapper_registry.map_imperatively(Order, orders, properties={
        "targets": relationship(OrderTarget, order_by=order_targets.c.position, lazy="select"),
    })
    mapper_registry.map_imperatively(Case, cases, properties={
        "decisions": relationship(Decision, order_by=decisions.c.decided_at, lazy="select"),
    })


# Tables that live with their feature register on the same metadata (migrations see them all).
import tanggap.detect.banks.tables  # noqa: E402,F401
import tanggap.store.outbox  # noqa: E402,F401
import tanggap.store.accountability_tables  # noqa: E402,F401
