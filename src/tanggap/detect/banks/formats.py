"""Reading the hash lists that GIFCT, Tech Against Terrorism and ThreatExchange share.

Two formats, read by column or field *name* so the many spellings in circulation all work:

``csv``
    A header row, then one row per media item. Either *long* form, a type column and a value
    column (``hash_type,hash,labels`` · ``signal_type,signal_value,tags`` ·
    ``algorithm,hash_digest,ideology``), or *wide* form, one column per signal type
    (``pdq,md5,sha256,labels``: one row may carry several hashes of the same item). Labels
    come from ``labels``/``tags``/``ideology``/``behaviour``/``entity``… columns, several per
    cell separated by ``;`` or ``|`` (by ``,`` when a cell has neither). Comma, semicolon, tab
    or pipe delimited; UTF-8 (with or without BOM), UTF-16 or Windows-1252.

``json``
    A list of records, an object holding one (``results`` as in the Tech Against Terrorism
    hash list API, ``data`` as in ThreatExchange's Graph API), or JSON Lines. A record names
    its type (``signal_type``/``type``/``algorithm``) and value (``signal_value``/
    ``raw_indicator``/``indicator``/``hash_digest``/``hash``), or carries one field per type;
    ``tags`` may be a list, ``{"data": [{"text": …}]}`` or a comma-separated string.
    ``deleted``/``should_delete`` means the curator withdrew the hash.

Nothing here raises on bad input: a row that cannot be read becomes a :class:`Reject` with the
reason and its raw text, and the import goes on (the service keeps the raw file).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tanggap.detect.banks.model import HashRecord, Reject
from tanggap.detect.banks.signals import signal_type, signal_types

TYPE_FIELDS = ("signal_type", "hash_type", "algorithm", "hash_algorithm", "indicator_type", "type")
VALUE_FIELDS = ("signal_value", "raw_indicator", "hash_digest", "hash_value", "hash", "indicator",
                "digest", "value")
LABEL_FIELDS = ("labels", "label", "tags", "tag", "ideology", "category", "categories", "behaviour",
                "behaviours", "behavior", "behaviors", "entity", "group", "classification")
PREFIXED_LABEL_FIELDS = ("file_type", "media_type")  # kept as "file_type:mp4"
DELETE_FIELDS = ("deleted", "should_delete", "withdrawn", "removed", "is_deleted")
QUALITY_FIELDS = ("quality", "pdq_quality")
ID_FIELDS = ("id", "record_id", "hash_id", "descriptor_id")
STATUS_FIELDS = ("status",)
KNOWN_FIELDS = frozenset(TYPE_FIELDS + VALUE_FIELDS + LABEL_FIELDS + PREFIXED_LABEL_FIELDS
                         + DELETE_FIELDS + QUALITY_FIELDS + ID_FIELDS + STATUS_FIELDS)
LABEL_SOURCES = (tuple((name, "") for name in LABEL_FIELDS)
                 + tuple((name, f"{name}:") for name in PREFIXED_LABEL_FIELDS))
LIST_KEYS = ("results", "data", "signals", "hashes", "items", "entries", "records")
LABEL_SPLIT = re.compile(r"[;|]")  # and "," when a cell has neither
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y"})
MAX_LABELS = 50
MAX_LABEL_LENGTH = 100


@dataclass
class ParsedList:
    records: list[HashRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rows: int = 0  # rows (CSV) or records (JSON) read, blank lines not counted
    notes: list[str] = field(default_factory=list)  # about the whole file: encoding, columns


def parse_hash_list(raw: bytes, format: str) -> ParsedList:
    """Read a hash list; never raises on what is in `raw`."""
    parser = FORMATS.get(format.strip().lower())
    if parser is None:
        raise ValueError(f"unknown hash list format {format!r}; one of: {', '.join(FORMATS)}")
    parsed = ParsedList()
    text = _decode(raw, parsed.notes)
    parser(text, parsed)
    return parsed


# --- text ----------------------------------------------------------------------------

def _decode(raw: bytes, notes: list[str]) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        notes.append(f"not UTF-8 (byte {error.start}); read as Windows-1252")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _name(text: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(text).strip().lower())


# --- one record, whatever the format ---------------------------------------------------

def _records_from(fields: Mapping[str, Any], where: str, raw: str, parsed: ParsedList) -> None:
    """Turn one row's named fields into records and rejects."""
    parsed.rows += 1
    record_id = _first(fields, ID_FIELDS)
    if record_id not in (None, ""):
        where = f"{where} (id {record_id})"
    pairs: list[tuple[str, Any]] = []  # (type spelling, value)
    value = _first(fields, VALUE_FIELDS)
    if value not in (None, ""):
        declared = _first(fields, TYPE_FIELDS)
        if declared in (None, ""):
            parsed.rejects.append(Reject(where, "no hash type given for the hash value", raw))
            return
        pairs.append((str(declared), value))
    for key, cell in fields.items():  # wide form: a column or field per signal type
        if key not in KNOWN_FIELDS and cell not in (None, "") and signal_type(key) is not None:
            pairs.append((key, cell))
    if not pairs:
        parsed.rejects.append(Reject(where, "no hash value", raw))
        return
    status = str(_first(fields, STATUS_FIELDS) or "").strip().upper()
    if status == "NON_MALICIOUS":
        parsed.rejects.append(Reject(where, "the source marks it NON_MALICIOUS (disputed)", raw))
        return
    withdrawn = _truthy(_first(fields, DELETE_FIELDS))
    quality = _first(fields, QUALITY_FIELDS)
    labels = _labels(fields)
    for spelling, cell in pairs:
        kind = signal_type(spelling)
        if kind is None:
            supported = ", ".join(signal_types())
            parsed.rejects.append(Reject(where, f"hash type {str(spelling).strip()!r} is not supported "
                                                f"(supported: {supported})", raw))
            continue
        if not isinstance(cell, str):
            parsed.rejects.append(Reject(where, f"{kind.name} value is not text", raw))
            continue
        try:
            normalised = kind.validate(cell)
        except ValueError as error:
            parsed.rejects.append(Reject(where, f"{kind.name}: {error}", raw))
            continue
        if kind.name == "pdq" and quality not in (None, ""):
            reason = _low_quality(quality, kind)
            if reason:
                parsed.rejects.append(Reject(where, reason, raw))
                continue
        parsed.records.append(HashRecord(kind.name, normalised, labels, where, withdrawn))


def _first(fields: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        if name in fields and fields[name] not in (None, ""):
            return fields[name]
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in TRUE_WORDS


def _low_quality(quality: Any, kind) -> str | None:
    try:
        number = int(float(str(quality).strip()))
    except ValueError:
        return f"PDQ quality {quality!r} is not a number"
    threshold = kind.quality_threshold()
    if number < threshold:
        return f"PDQ quality {number} < {threshold}: too unreliable to match on"
    return None


def _labels(fields: Mapping[str, Any]) -> tuple[str, ...]:
    labels: list[str] = []
    for name, prefix in LABEL_SOURCES:
        if name not in fields:
            continue
        for label in _label_values(fields[name]):
            label = " ".join(label.split())
            label = (prefix + label if label else "")[:MAX_LABEL_LENGTH]
            if label and label not in labels:
                labels.append(label)
    return tuple(labels[:MAX_LABELS])


def _label_values(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):  # ThreatExchange: {"data": [{"text": "..."}]}
        return _label_values(value.get("data") or value.get("text") or value.get("name"))
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _label_values(item)]
    if isinstance(value, bool):
        return []
    text = str(value)
    return LABEL_SPLIT.split(text) if LABEL_SPLIT.search(text) else text.split(",")


# --- CSV -----------------------------------------------------------------------------

def _parse_csv(text: str, parsed: ParsedList) -> None:
    lines = text.splitlines(keepends=True)
    content = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        parsed.rejects.append(Reject("file", "no rows", ""))
        return
    dialect = _sniff(content[:20])
    reader = csv.reader(io.StringIO("".join(content)), dialect)
    try:
        header = next(reader)
    except csv.Error as error:
        parsed.rejects.append(Reject("line 1", f"unreadable CSV: {error}", content[0]))
        return
    names = [_name(cell) for cell in header]
    line_of = _physical_lines(lines)
    if _is_positional(header):  # no header: type, value, labels… (threatexchange's file format)
        names = ["signal_type", "signal_value"] + ["labels"] * (len(header) - 2)
        reader = csv.reader(io.StringIO("".join(content)), dialect)
        parsed.notes.append("no header row: read as type, value, labels")
    elif not _is_header(names):
        parsed.rejects.append(Reject(f"line {line_of(1)}", "no header row naming the hash columns (e.g. "
                                     "'hash_type,hash,labels' or 'pdq,md5,labels')", content[0].rstrip()))
        return
    unknown = [n for n in names if n and n not in KNOWN_FIELDS and signal_type(n) is None]
    if unknown:
        parsed.notes.append(f"columns ignored: {', '.join(unknown)}")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            parsed.rows += 1
            parsed.rejects.append(Reject(f"line {line_of(reader.line_num)}", f"unreadable CSV: {error}"))
            continue
        where = f"line {line_of(reader.line_num)}"
        raw = dialect.delimiter.join(cells)
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
            parsed.rows += 1
            parsed.rejects.append(Reject(where, f"{len(cells)} cells but the header names {len(names)}", raw))
            continue
        _records_from(_fields(names, cells), where, raw, parsed)


def _fields(names: list[str], cells: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, cell in zip(names, cells, strict=False):  # a short row leaves the last fields empty
        if name and cell.strip():
            fields[name] = f"{fields[name]};{cell.strip()}" if name in fields else cell.strip()
    return fields


def _is_positional(cells: list[str]) -> bool:
    return (len(cells) >= 2 and signal_type(cells[0]) is not None
            and re.fullmatch(r"(0x)?[0-9a-fA-F]{16,}", cells[1].strip()) is not None)


def _sniff(sample: list[str]) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff("".join(sample), delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _is_header(names: list[str]) -> bool:
    has_value = any(n in VALUE_FIELDS for n in names) and any(n in TYPE_FIELDS for n in names)
    has_wide = any(n not in KNOWN_FIELDS and signal_type(n) is not None for n in names if n)
    return has_value or has_wide


def _physical_lines(lines: list[str]) -> Callable[[int], int]:
    """Map the reader's line count (comments and blank lines dropped) to the file's line."""
    kept = [number for number, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    return lambda n: kept[n - 1] if 0 < n <= len(kept) else n


# --- JSON ----------------------------------------------------------------------------

def _parse_json(text: str, parsed: ParsedList) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if not _parse_json_lines(text, parsed):
            parsed.rejects.append(Reject("file", f"not JSON: {error.msg} at line {error.lineno} "
                                                 f"column {error.colno}", text[:500]))
        return
    records = _record_list(document)
    if records is None:
        parsed.rejects.append(Reject("file", "no list of hash records found (expected a list, or "
                                             f"an object with one of: {', '.join(LIST_KEYS)})",
                                     text[:500]))
        return
    for number, record in enumerate(records, start=1):
        _json_record(record, f"record {number}", parsed)


def _parse_json_lines(text: str, parsed: ParsedList) -> bool:
    """JSON Lines; False when no line at all is a JSON object (then it is not JSON Lines)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    objects = 0
    results = ParsedList()
    for number, line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            results.rows += 1
            results.rejects.append(Reject(f"line {number}", f"not JSON: {error.msg}", line))
            continue
        objects += isinstance(record, dict)
        _json_record(record, f"line {number}", results)
    if objects == 0:
        return False
    parsed.records += results.records
    parsed.rejects += results.rejects
    parsed.rows += results.rows
    return True


def _record_list(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in LIST_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
        if any(_name(key) in KNOWN_FIELDS or signal_type(_name(key)) for key in document):
            return [document]
    return None


def _json_record(record: Any, where: str, parsed: ParsedList) -> None:
    raw = json.dumps(record, ensure_ascii=False, default=str)[:2000]
    if not isinstance(record, dict):
        parsed.rows += 1
        parsed.rejects.append(Reject(where, "not an object", raw))
        return
    fields = {_name(key): value for key, value in record.items()}
    indicator = fields.get("indicator")
    if isinstance(indicator, dict):  # ThreatExchange threat_updates: {"indicator": {...}}
        fields["indicator"] = indicator.get("indicator") or indicator.get("raw_indicator")
        fields.setdefault("type", indicator.get("type"))
    for key in ("deleted", "should_delete"):
        if key in fields and not isinstance(fields[key], (bool, str, int, type(None))):
            fields[key] = None
    if isinstance(fields.get("owner"), dict):
        fields.pop("owner")
    _records_from(fields, where, raw, parsed)


FORMATS: dict[str, Callable[[str, ParsedList], None]] = {"csv": _parse_csv, "json": _parse_json}
