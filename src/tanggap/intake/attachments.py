"""Read the attachments orders come with: CSV and XLSX lists of targets, PDF letters.

Every reader is bounded: rows, columns, pages, decompressed bytes and the compression ratio
of a spreadsheet's zip entries are checked against :class:`~tanggap.intake.parse.ParseLimits`
before the work is done, and the time budget is checked as it goes. A file that cannot be
read raises :class:`AttachmentError` with a reason; a file cut short adds a warning that
starts with "incomplete:".
"""

from __future__ import annotations

import csv
import io
import re
import warnings as python_warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from tanggap.intake.links import find_targets
from tanggap.intake.mime import Leaf

if TYPE_CHECKING:  # parse.py imports this module; the limits are only read here
    from tanggap.intake.parse import Budget, ParseLimits

CSV_TYPES = {"text/csv", "text/comma-separated-values", "application/csv", "text/x-csv",
             "application/x-csv", "text/tab-separated-values"}
XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
DOCX_TYPES = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
# Formats an authority might send that we cannot read: worth a warning, not silence.
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
UNREADABLE = {".xls": "legacy Excel (.xls)", ".doc": "Word (.doc)", ".msg": "Outlook item (.msg)",
              ".odt": "OpenDocument text", ".ods": "OpenDocument spreadsheet",
              ".rar": "rar archive", ".7z": "7-Zip archive"}
# What may be read inside a zip attachment: the formats an order's list comes in.
ZIP_MEMBERS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".pdf", ".docx", ".htm", ".html")
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Word also writes a link as a field: <w:instrText> HYPERLINK "https://t.me/x" </w:instrText>.
FIELD_HYPERLINK = re.compile(r'HYPERLINK\s+"([^"]+)"')
# A spreadsheet's link as a formula: =HYPERLINK("https://t.me/x", "Kanal X").
FORMULA_HYPERLINK = re.compile(r'(?i)\bHYPERLINK\(\s*"([^"]+)"')
CELL_REF = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")
# Below this size a zip entry's compression ratio says nothing (a small XML file of blanks).
RATIO_FLOOR_BYTES = 1 << 20

Row = list[object]


class AttachmentError(Exception):
    """The attachment cannot be read at all; the message says why."""


@dataclass
class Reading:
    """What every reader needs: the file's name (for warnings), the limits, the budget."""

    name: str
    limits: ParseLimits
    budget: Budget
    warnings: list[str]

    def cut(self, what: str) -> None:
        self.warnings.append(f"incomplete: {self.name}: {what}")


@dataclass
class PdfText:
    text: str
    links: list[str] = field(default_factory=list)  # URIs of link annotations


@dataclass
class DocxText:
    text: str  # paragraphs a line each; a table row as "| cell | cell |"
    tables: list[list[Row]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # hyperlink targets


def kind_of(leaf: Leaf) -> str | None:
    """"text", "html", "csv", "xlsx" or "pdf"; "unreadable:<what>" for a known format we
    cannot read; None for what is not a list of targets (images, signatures, calendars).

    The file name counts as much as the declared type: mailers send CSV as text/plain or
    application/vnd.ms-excel, and spreadsheets as application/octet-stream."""
    name = (leaf.filename or "").lower()
    extension = name[name.rfind("."):] if "." in name else ""
    ctype = leaf.content_type
    if ctype in CSV_TYPES or extension in (".csv", ".tsv"):
        return "csv"
    if ctype in XLSX_TYPES or extension in (".xlsx", ".xlsm"):
        return "xlsx"
    if ctype in PDF_TYPES or extension == ".pdf":
        return "pdf"
    if ctype in DOCX_TYPES or extension in (".docx", ".docm"):
        return "docx"
    if ctype in ZIP_TYPES or extension == ".zip":
        return "zip"
    if ctype in TNEF_TYPES or name == "winmail.dat":
        return "tnef"
    if extension in UNREADABLE:
        return "unreadable:" + UNREADABLE[extension]
    if ctype == "text/html" or extension in (".htm", ".html"):
        return "html"
    if ctype == "text/plain" or extension == ".txt":
        return "text"
    if ctype.startswith("multipart/") and not leaf.is_attachment:
        return "text"  # a multipart without a usable boundary arrives as one text
    if leaf.payload[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    return None


def csv_rows(data: bytes, reading: Reading) -> Iterator[Row]:
    """Rows of a CSV file: UTF-8 (with or without BOM), UTF-16 or Windows-1252; the separator
    (``;``, ``,`` or tab) is taken from the first line."""
    limits = reading.limits
    text = _decode_csv(data)
    first_line = text[: text.find("\n")] if "\n" in text else text[:4096]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if number > limits.max_rows:
                reading.cut(f"only the first {limits.max_rows} rows were read")
                return
            if number % 1000 == 0:
                reading.budget.check(f"reading {reading.name}")
            yield list(row[: limits.max_columns])
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        reading.cut(f"CSV reading stopped at line {reader.line_num}: {exc}")


def read_xlsx(data: bytes, reading: Reading, read_sheet: Callable[[Iterator[Row]], object]) -> None:
    """Hand each worksheet's rows to ``read_sheet``, one sheet after another, while the
    workbook is open. A cell's hyperlink replaces its text: the link is what the authority
    pointed at, the text only what it showed."""
    archive = _open_zip(data, reading.limits, "XLSX")
    try:
        with python_warnings.catch_warnings():
            python_warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
            import openpyxl  # slow to import; most mail has no spreadsheet

            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as exc:  # openpyxl raises many types for broken files
        raise AttachmentError(f"not a readable XLSX workbook ({_summary(exc)})") from None
    try:
        for index, sheet in enumerate(workbook.worksheets):
            if index >= reading.limits.max_sheets:
                reading.cut(f"only the first {reading.limits.max_sheets} sheets were read")
                break
            sheet_reading = replace(reading, name=f"{reading.name} / {sheet.title}")
            links = _hyperlinks(archive, getattr(sheet, "_worksheet_path", ""), sheet_reading)
            read_sheet(_sheet_rows(sheet, links, sheet_reading))
    finally:
        workbook.close()


def read_pdf(data: bytes, reading: Reading) -> PdfText:
    """The text of a PDF letter, laid out so that a table keeps each row on one line, and
    the URIs of its link annotations."""
    limits = reading.limits
    pages = _pdf_pages(data)
    if len(pages) > limits.max_pdf_pages:
        reading.cut(f"only the first {limits.max_pdf_pages} of {len(pages)} pages were read")
    result = PdfText("")
    texts: list[str] = []
    size = 0
    for number in range(min(len(pages), limits.max_pdf_pages)):
        reading.budget.check(f"reading {reading.name}")
        try:
            page = pages[number]
        except Exception as exc:
            reading.warnings.append(f"{reading.name}: page {number + 1} could not be read ({_summary(exc)})")
            continue
        text = _page_text(page, reading, number + 1)
        size += len(text)
        if size > limits.max_text_chars:
            reading.cut(f"text beyond {limits.max_text_chars} characters was not read")
            break
        texts.append(text)
        result.links.extend(_page_links(page))
    result.text = "\n".join(texts)
    if texts and not result.text.strip():
        reading.cut("the PDF has no text layer (a scan?); it was not read")
    return result


def read_docx(data: bytes, reading: Reading) -> DocxText:
    """The text of a Word letter (.docx), its tables as rows of cells, and its hyperlinks.
    Read as a stream from the zip container, within the same limits as a spreadsheet."""
    archive = _open_zip(data, reading.limits, "DOCX")
    try:
        source = archive.open("word/document.xml")
    except KeyError:
        raise AttachmentError("not a Word document (no word/document.xml)") from None
    result = DocxText("")
    lines: list[str] = []
    size = 0
    paragraph: list[str] = []
    tables: list[list[list[str]]] = []  # the open tables, innermost last
    cell: list[str] | None = None
    try:
        with source:
            for count, (event, element) in enumerate(ElementTree.iterparse(source, ("start", "end"))):
                if count % 10_000 == 0:
                    reading.budget.check(f"reading {reading.name}")
                tag = element.tag
                if event == "start":
                    if tag == WORD_NS + "tbl":
                        tables.append([])
                    elif tag == WORD_NS + "tr" and tables:
                        tables[-1].append([])
                    elif tag == WORD_NS + "tc" and tables:
                        cell = []
                    continue
                if tag == WORD_NS + "t" and element.text:
                    paragraph.append(element.text)
                elif tag == WORD_NS + "tab":
                    paragraph.append("\t")
                elif tag in (WORD_NS + "br", WORD_NS + "cr"):
                    paragraph.append("\n")
                elif tag == WORD_NS + "instrText" and element.text:
                    result.links.extend(FIELD_HYPERLINK.findall(element.text))
                elif tag == WORD_NS + "p":
                    text = "".join(paragraph)
                    paragraph = []
                    if cell is not None:
                        cell.append(text)
                    else:
                        lines.append(text)
                        size += len(text)
                elif tag == WORD_NS + "tc" and tables and tables[-1]:
                    tables[-1][-1].append(" ".join(t for t in (cell or []) if t).strip())
                    cell = None
                elif tag == WORD_NS + "tr" and tables and tables[-1]:
                    row = tables[-1][-1]
                    lines.append("| " + " | ".join(row) + " |")
                    size += len(lines[-1])
                elif tag == WORD_NS + "tbl" and tables:
                    rows = tables.pop()
                    if len(result.tables) < reading.limits.max_sheets:
                        result.tables.append([list(r[: reading.limits.max_columns]) for r in rows])
                if event == "end" and tag in (WORD_NS + "p", WORD_NS + "tbl"):
                    element.clear()  # keep memory flat on a long document
                if size > reading.limits.max_text_chars:
                    reading.cut(f"text beyond {reading.limits.max_text_chars} characters was not read")
                    break
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        reading.cut(f"reading stopped ({_summary(exc)})")
    result.text = "\n".join(lines)
    result.links.extend(_relationship_links(archive, "word/_rels/document.xml.rels", reading))
    return result


def zip_members(data: bytes, reading: Reading) -> Iterator[tuple[str, bytes]]:
    """The files in a zip attachment that can hold a list of targets, each within the limits;
    what is skipped (another archive, an encrypted file, a format we cannot read) is said."""
    archive = _open_zip(data, reading.limits, "zip")
    for entry in archive.infolist():
        reading.budget.check(f"reading {reading.name}")
        name = entry.filename
        if entry.is_dir() or name.rsplit("/", 1)[-1].startswith(("._", "~$")) or "__MACOSX/" in name:
            continue  # folders, and the resource forks and lock files archivers add
        if entry.flag_bits & 0x1:
            reading.cut(f"{name[:120]!r} is encrypted; it was not read")
            continue
        if not name.lower().endswith(ZIP_MEMBERS):
            reading.cut(f"{name[:120]!r} is not a format read inside an archive; it was not read")
            continue
        if entry.file_size > reading.limits.max_attachment_bytes:
            reading.cut(f"{name[:120]!r} is {entry.file_size} bytes, over the limit; it was not read")
            continue
        try:
            yield name, archive.read(entry)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            reading.cut(f"{name[:120]!r} could not be unpacked ({_summary(exc)})")


TNEF_SIGNATURE = 0x223E9F78
TNEF_ATTACHMENT_START = 0x9002  # attAttachRendData: a new attachment begins
TNEF_ATTACHMENT_TITLE = 0x8010  # attAttachTitle: its file name (often 8.3: LAMPIR~1.XLS)
TNEF_ATTACHMENT_DATA = 0x800F  # attAttachData: its bytes


def tnef_files(data: bytes, reading: Reading) -> list[tuple[str, bytes]]:
    """The files inside Outlook's winmail.dat (TNEF, [MS-OXTNEF]): (name, bytes) each. The
    letter's own text is in the message's plain part beside it; the Rich Text copy inside is
    not read. A short 8.3 name is given the extension its content shows (an .xlsx saved as
    LAMPIR~1.XLS)."""
    if len(data) < 6 or int.from_bytes(data[:4], "little") != TNEF_SIGNATURE:
        raise AttachmentError("not a TNEF file (no TNEF signature)")
    files: list[tuple[str, bytes]] = []
    name, content = "", b""
    position = 6
    while position + 9 <= len(data):
        reading.budget.check(f"reading {reading.name}")
        attribute = int.from_bytes(data[position + 1:position + 5], "little") & 0xFFFF
        length = int.from_bytes(data[position + 5:position + 9], "little")
        start, end = position + 9, position + 9 + length
        if end + 2 > len(data):
            reading.cut("the TNEF data ends in the middle of an attribute")
            break
        if attribute == TNEF_ATTACHMENT_START:
            if content:
                files.append((name, content))
            name, content = "", b""
        elif attribute == TNEF_ATTACHMENT_TITLE:
            name = data[start:end].split(b"\x00", 1)[0].decode("cp1252", "replace")
        elif attribute == TNEF_ATTACHMENT_DATA:
            content = data[start:end]
        position = end + 2  # the checksum
        if len(files) >= reading.limits.max_zip_entries:
            reading.cut(f"only the first {reading.limits.max_zip_entries} files were read")
            return files
    if content:
        files.append((name, content))
    return [(_sniffed_name(name, content), content) for name, content in files]


def _sniffed_name(name: str, content: bytes) -> str:
    lowered = name.lower()
    if content.startswith(b"PK\x03\x04"):
        head = content[:1 << 16]
        for marker, extension in ((b"xl/", ".xlsx"), (b"word/", ".docx")):
            if marker in head and not lowered.endswith(extension):
                return name + extension
    if content[:1024].lstrip().startswith(b"%PDF-") and not lowered.endswith(".pdf"):
        return name + ".pdf"
    return name or "attachment"


def _relationship_links(archive: zipfile.ZipFile, path: str, reading: Reading) -> list[str]:
    try:
        rels = ElementTree.fromstring(archive.read(path))
    except KeyError:
        return []
    except Exception as exc:
        reading.warnings.append(f"{reading.name}: hyperlinks could not be read ({_summary(exc)})")
        return []
    return [rel.get("Target", "") for rel in rels
            if rel.get("Type", "").endswith("/hyperlink") and rel.get("TargetMode") == "External"]


def _pdf_pages(data: bytes) -> Any:
    if b"%PDF-" not in data[:1024]:
        raise AttachmentError("not a PDF (no %PDF header)")
    try:
        import pypdf  # slow to import; most mail has no PDF

        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise AttachmentError("the PDF is encrypted")
        pages = reader.pages
        len(pages)  # a broken page tree fails here, not later
        return pages
    except AttachmentError:
        raise
    except Exception as exc:  # pypdf raises many types for broken files
        raise AttachmentError(f"not a readable PDF ({_summary(exc)})") from None


def _decode_csv(data: bytes) -> str:
    """The CSV's text. NUL bytes carry nothing (a stray one in a cell would break its link),
    but many of them at every other byte are UTF-16 written without a byte order mark."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").replace("\x00", "")
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        odd_nuls = sample[1::2].count(b"\x00")
        encoding = "utf-16-le" if odd_nuls > sample[0::2].count(b"\x00") else "utf-16-be"
        return data.decode(encoding, errors="replace").replace("\x00", "")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\x00", "")


def _open_zip(data: bytes, limits: ParseLimits, what: str) -> zipfile.ZipFile:
    """Open an XLSX or DOCX container and refuse a zip bomb before anything is inflated.

    The sizes in the zip directory are binding: zipfile stops inflating an entry at its
    declared size (and then fails its CRC), so checking them bounds the work."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise AttachmentError(f"not a readable {what} file (not a zip archive: {exc})") from None
    if len(entries) > limits.max_zip_entries:
        raise AttachmentError(
            f"{len(entries)} entries in the archive, over the limit of {limits.max_zip_entries}"
        )
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_decompressed_bytes:
        raise AttachmentError(
            f"would inflate to {total} bytes, over the limit of {limits.max_decompressed_bytes} (zip bomb?)"
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise AttachmentError(
                f"{entry.filename!r} inflates {ratio:.0f}:1, over the limit of "
                f"{limits.max_compression_ratio:g}:1 (zip bomb?)"
            )
    return archive


def _sheet_rows(sheet: Any, links: dict[str, str], reading: Reading) -> Iterator[Row]:
    from openpyxl.utils import get_column_letter

    limits = reading.limits
    # The declared dimension may claim a million columns; read what the rows really hold.
    sheet.reset_dimensions()
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > limits.max_rows:
                reading.cut(f"only the first {limits.max_rows} rows were read")
                return
            if number % 1000 == 0:
                reading.budget.check(f"reading {reading.name}")
            row = list(values[: limits.max_columns])
            for column in range(len(row)) if links else ():
                cell = f"{get_column_letter(column + 1)}{number}"
                if cell in links:
                    _note_hidden_link(row[column], links[cell], reading, cell)
                    row[column] = links[cell]
            yield row
    except Exception as exc:  # a broken sheet XML surfaces while iterating
        reading.cut(f"reading stopped ({_summary(exc)})")


def _note_hidden_link(shown: object, target: str, reading: Reading, cell: str) -> None:
    shown_targets = [t.canonical for t in find_targets(str(shown or ""))]
    if shown_targets and shown_targets != [t.canonical for t in find_targets(target)]:
        reading.warnings.append(
            f"{reading.name} {cell}: the cell shows {str(shown)[:120]!r} but links to "
            f"{target[:200]!r}; the link counts"
        )


def _hyperlinks(archive: zipfile.ZipFile, sheet_path: str, reading: Reading) -> dict[str, str]:
    """Cell reference -> external hyperlink target, from the sheet's relationships, and from
    HYPERLINK("url", "shown") formulas (the file keeps only the shown text as the value)."""
    if not sheet_path:
        return {}
    folder, _, file = sheet_path.rpartition("/")
    targets: dict[str | None, str] = {}
    try:
        rels = ElementTree.fromstring(archive.read(f"{folder}/_rels/{file}.rels"))
        targets = {
            rel.get("Id"): rel.get("Target", "")
            for rel in rels
            if rel.get("Type", "").endswith("/hyperlink") and rel.get("TargetMode") == "External"
        }
    except KeyError:
        pass
    except Exception as exc:
        reading.warnings.append(f"{reading.name}: hyperlinks could not be read ({_summary(exc)})")
    formulas = _has_hyperlink_formula(archive, sheet_path)
    return _hyperlink_cells(archive, sheet_path, targets, reading) if targets or formulas else {}


def _has_hyperlink_formula(archive: zipfile.ZipFile, sheet_path: str) -> bool:
    """A quick byte scan, so that only a sheet with such formulas is parsed a second time."""
    tail = b""
    try:
        with archive.open(sheet_path) as source:
            while chunk := source.read(1 << 20):
                if b"HYPERLINK(" in (tail + chunk).upper():
                    return True
                tail = chunk[-16:]
    except Exception:  # the sheet itself is read (and its trouble reported) by openpyxl
        return False
    return False


def _hyperlink_cells(
    archive: zipfile.ZipFile, sheet_path: str, targets: dict[str | None, str], reading: Reading
) -> dict[str, str]:
    links: dict[str, str] = {}
    cell = ""
    try:
        with archive.open(sheet_path) as source:
            for event, element in ElementTree.iterparse(source, ("start", "end")):
                if event == "start":
                    if element.tag == SHEET_NS + "c":
                        cell = element.get("r") or ""
                    continue
                if len(links) >= reading.limits.max_rows:
                    break
                if element.tag == SHEET_NS + "hyperlink":
                    target = targets.get(element.get(REL_NS + "id"))
                    ref = (element.get("ref") or "").split(":")[0]
                    if target and CELL_REF.fullmatch(ref):
                        links[ref] = target
                elif element.tag == SHEET_NS + "f" and element.text and CELL_REF.fullmatch(cell):
                    formula = FORMULA_HYPERLINK.search(element.text)
                    if formula:
                        links.setdefault(cell, formula.group(1))
                element.clear()  # keep memory flat on a large sheet
    except Exception as exc:
        reading.warnings.append(f"{reading.name}: hyperlinks could not be read ({_summary(exc)})")
    return links


def _page_text(page: Any, reading: Reading, number: int) -> str:
    # Layout mode keeps a table row on one line, columns apart; plain mode is the fallback.
    error = ""
    for mode in ("layout", "plain"):
        try:
            return page.extract_text(extraction_mode=mode) or ""
        except Exception as exc:
            error = _summary(exc)
    reading.warnings.append(f"incomplete: {reading.name} page {number}: no text could be extracted ({error})")
    return ""


def _page_links(page: Any) -> list[str]:
    uris = []
    try:
        annotations = page.get("/Annots") or []
        for ref in annotations.get_object() if hasattr(annotations, "get_object") else annotations:
            action = ref.get_object().get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if isinstance(uri, (str, bytes)):
                uris.append(uri.decode("latin-1") if isinstance(uri, bytes) else str(uri))
    except Exception:  # annotations are a bonus; the page text is what counts
        pass
    return uris


def _summary(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"
