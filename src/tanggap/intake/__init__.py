"""Intake: e-mailed orders (MIME, attachments, link extraction) read into parsed orders.

Pure parsing: no storage, no network. The ingest service decides what to store.
"""

from tanggap.intake.links import find_targets
from tanggap.intake.parse import ParsedMessage, ParseLimits, parse_file, parse_message

__all__ = ["ParseLimits", "ParsedMessage", "find_targets", "parse_file", "parse_message"]
