"""The DSA Transparency Database's rules for a statement of reasons (its API documentation,
"API and Schema": enumerations, lengths, the `puid` pattern, EU/EEA territorial scope, dates).

`problems(statement)` answers what the database would refuse, field by field, so a statement
is checked before it leaves and an export never contains one it would reject.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

EEA_COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS",
    "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)
DECISION_VISIBILITY = (
    "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARY = ("DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER")
DECISION_PROVISION = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNT = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
ACCOUNT_TYPE = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")
DECISION_GROUND = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
CONTENT_TYPE = (
    "CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER",
)
CATEGORY = (
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR", "STATEMENT_CATEGORY_ONLINE_BULLYING_INTIMIDATION",
    "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM", "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
)
SOURCE_TYPE = ("SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY")
AUTOMATED_DECISION = ("AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED")
YES_NO = ("Yes", "No")
PUID = re.compile(r"^[a-zA-Z0-9_-]+\Z")
KEYWORD = re.compile(r"^KEYWORD_[A-Z0-9_]+\Z")
LANGUAGE = re.compile(r"^[A-Z]{2}\Z")
EARLIEST = date(2000, 1, 1)
MAX_BATCH = 100  # statements in one request to the multiple-statements endpoint

LIMITS = {  # maximum lengths, in characters
    "puid": 500, "decision_visibility_other": 500, "decision_monetary_other": 500,
    "decision_ground_reference_url": 500, "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2000, "incompatible_content_ground": 500,
    "incompatible_content_explanation": 2000, "content_type_other": 500,
    "category_specification_other": 500, "decision_facts": 5000, "source_identity": 500,
}
REQUIRED = ("decision_ground", "content_type", "category", "territorial_scope", "content_date",
            "application_date", "decision_facts", "source_type", "automated_detection",
            "automated_decision", "puid")


def problems(statement: dict[str, Any]) -> dict[str, str]:
    """field -> what is wrong with it; empty when the database would accept the statement."""
    found: dict[str, str] = {}
    for name in REQUIRED:
        if statement.get(name) in (None, "", []):
            found[name] = "required"
    _restrictions(statement, found)
    _ground(statement, found)
    _enums(statement, found)
    _dates(statement, found)
    for name, limit in LIMITS.items():
        value = statement.get(name)
        if isinstance(value, str) and len(value) > limit:
            found[name] = f"longer than {limit} characters"
    puid = statement.get("puid")
    if isinstance(puid, str) and puid and not PUID.match(puid):
        found["puid"] = "only letters, digits, '-' and '_'"
    if statement.get("source_type") == "SOURCE_VOLUNTARY" and statement.get("source_identity"):
        found["source_identity"] = "not given for a voluntary (own-initiative) decision"
    return found


def _restrictions(statement: dict, found: dict) -> None:
    if not any(statement.get(name) for name in
               ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")):
        found["decision_visibility"] = ("at least one of decision_visibility, decision_monetary, "
                                        "decision_provision, decision_account")
    if "DECISION_VISIBILITY_OTHER" in (statement.get("decision_visibility") or []) \
            and not statement.get("decision_visibility_other"):
        found["decision_visibility_other"] = "required when decision_visibility is OTHER"


def _ground(statement: dict, found: dict) -> None:
    ground = statement.get("decision_ground")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        for name in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not statement.get(name):
                found[name] = "required for illegal content"
    elif ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for name in ("incompatible_content_ground", "incompatible_content_explanation"):
            if not statement.get(name):
                found[name] = "required for content incompatible with the terms"


def _enums(statement: dict, found: dict) -> None:
    single = {"decision_ground": DECISION_GROUND, "category": CATEGORY, "source_type": SOURCE_TYPE,
              "automated_detection": YES_NO, "automated_decision": AUTOMATED_DECISION,
              "incompatible_content_illegal": YES_NO, "account_type": ACCOUNT_TYPE,
              "decision_monetary": DECISION_MONETARY, "decision_provision": DECISION_PROVISION,
              "decision_account": DECISION_ACCOUNT}
    for name, allowed in single.items():
        value = statement.get(name)
        if value not in (None, "") and value not in allowed:
            found[name] = f"{value!r} is not one of {', '.join(allowed)}"
    arrays = {"decision_visibility": DECISION_VISIBILITY, "content_type": CONTENT_TYPE,
              "territorial_scope": EEA_COUNTRIES, "category_addition": CATEGORY}
    for name, allowed in arrays.items():
        value = statement.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or len(set(value)) != len(value):
            found[name] = "a list without repeats"
            continue
        wrong = [item for item in value if item not in allowed]
        if wrong:
            found[name] = f"not allowed: {', '.join(map(str, wrong))}"
    if "CONTENT_TYPE_OTHER" in (statement.get("content_type") or []) and not statement.get("content_type_other"):
        found["content_type_other"] = "required when content_type is OTHER"
    keywords = statement.get("category_specification")
    if keywords is not None and (not isinstance(keywords, list)
                                 or any(not KEYWORD.match(str(k)) for k in keywords)):
        found["category_specification"] = "a list of KEYWORD_… values"
    language = statement.get("content_language")
    if language is not None and not LANGUAGE.match(str(language)):
        found["content_language"] = "an ISO 639-1 code in capitals, e.g. EN"


def _dates(statement: dict, found: dict) -> None:
    parsed: dict[str, date] = {}  # only the dates that are well written
    for name in ("content_date", "application_date"):
        value = statement.get(name)
        if value in (None, ""):
            continue
        day: date | None
        try:
            day = date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)) else None
        except ValueError:
            day = None
        if day is None:
            found[name] = "a date written YYYY-MM-DD"
            continue
        parsed[name] = day
        if day < EARLIEST:
            found[name] = "on or after 2000-01-01"
    if "content_date" in parsed and "application_date" in parsed \
            and parsed["application_date"] < parsed["content_date"]:
        found["application_date"] = "on or after content_date"
