"""Evidence where the eye is: the case's signals in words, strongest first, and on each post the
signals that point at it (classifier, hash match) with its lexicon terms marked.

Only what detection recorded on the case is shown; nothing is scored again while a page renders.
Text is split into plain and marked pieces here and escaped by the template, never joined as HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tanggap.web import i18n
from tanggap.web.i18n import N_

SOURCE_WORDS = {
    "channel_risk": N_("Channel risk"), "classifier": N_("Classifier"), "lexicon": N_("Lexicon terms"),
    "evasion": N_("Likely re-creation of a blocked channel"), "hash": N_("Hash match"),
}


@dataclass
class PostEvidence:
    pieces: list[tuple[str, bool]]  # (text, is a lexicon term)
    badges: list[tuple[str, str]] = field(default_factory=list)  # (css class, words)
    matched_media: set[str] = field(default_factory=set)  # media refs a hash bank matched


def signal_summary(signals: list[dict]) -> list[tuple[str, float, str]]:
    """(source in words, strength, explanation), strongest first."""
    return [(describe_source(s["source"]), s["strength"], s["explanation"])
            for s in sorted(signals, key=lambda s: -s["strength"])]


def describe_source(source: str) -> str:
    head = source.split(":")[0]
    return i18n.gettext(SOURCE_WORDS.get(head, source))


def post_evidence(posts, signals: list[dict]) -> dict[str, PostEvidence]:
    terms = sorted({t for s in signals if s["source"] == "lexicon" for t in (s.get("details") or {}).get("terms", [])},
                   key=len, reverse=True)
    flagged = {str(p) for s in signals if s["source"].startswith("classifier")
               for p in (s.get("details") or {}).get("posts", [])}
    strongest = max((s["strength"] for s in signals if s["source"].startswith("classifier")), default=None)
    evidence = {}
    for post in posts:
        post_id = str(post.platform_id)
        found = PostEvidence(mark_terms(post.text or "", terms))
        if post_id in flagged:
            found.badges.append(("score", i18n.gettext("classifier: high score") if strongest is None else
                                 i18n.gettext("classifier flagged (case best %(score)s)", score=f"{strongest:.2f}")))
        for signal in signals:
            details = signal.get("details") or {}
            if signal["source"].startswith("hash") and str(details.get("post_id", "")) == post_id:
                found.matched_media.add(str(details.get("media", "")))
        if any(marked for _, marked in found.pieces):
            found.badges.append(("terms", i18n.gettext("lexicon terms")))
        evidence[post_id] = found
    return evidence


def mark_terms(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """Split `text` at whole-word, case-insensitive occurrences of the lexicon terms."""
    if not terms or not text:
        return [(text, False)]
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in terms if t) + r")(?!\w)", re.IGNORECASE)
    pieces, at = [], 0
    for hit in pattern.finditer(text):
        if hit.start() > at:
            pieces.append((text[at:hit.start()], False))
        pieces.append((hit.group(0), True))
        at = hit.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces or [(text, False)]
