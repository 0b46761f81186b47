"""Find Telegram targets in what authorities write: prose, lists, HTML and tables.

``tanggap.domain.targets.parse_target`` understands one spelling; this module finds the
spellings. Links are found anywhere. A bare ``@name`` counts only where it is an entry of a
list or a table of targets, never in prose or a signature ("hubungi @maya_wasdig").
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

from tanggap.domain.errors import InvalidTarget
from tanggap.domain.targets import (
    DEFANGS,
    INVISIBLE,
    USERNAME,
    Target,
    clean_spelling,
    looks_like_telegram,
    parse_target,
)

# Characters that end a link in running text. Telegram links never contain brackets, quotes,
# commas, semicolons or an ellipsis; stopping there keeps "(t.me/a)" and "t.me/a,t.me/b" apart.
_URL_CHARS = r"[^\s<>\"'`()\[\]{}|\\^,;*“”‘’«»…。，、！？]"
LINK = re.compile(
    rf"""
      (?P<tg>(?<![\w.+-])tg:(?://)?{_URL_CHARS}+)
    | (?P<url>(?<![\w.+-])https?://{_URL_CHARS}+)
    | (?P<www>(?<![\w.@/-])www\.{_URL_CHARS}+)
    | (?P<bare>(?<![\w.@/-])(?:t\.me|telegram\.me|telegram\.dog)/{_URL_CHARS}*)
    | (?P<sub>(?<![\w.@/-])[a-z][a-z0-9_]{{4,31}}\.t\.me\b(?:/{_URL_CHARS}*)?)
    """,
    re.IGNORECASE | re.VERBOSE,
)
HANDLE = re.compile(rf"@(?P<handle>{USERNAME.pattern})(?![\w@.])")
# A list entry: "1. ", "2) ", "(a) ", "a. ", "iv) ", "- ", "* ", "• " (after any "> " quoting).
LIST_ITEM = re.compile(
    r"\s*(?:\(?\d{1,4}[.)]|\(?[a-z][.)]|\([a-z]{1,4}\)|[ivx]{1,4}[.)]|[-*•·–—▪◦+])\s*",
    re.IGNORECASE,
)
# After "@name" in a list entry only a remark may follow: "(kanal utama)", "- aktif", ": x".
HANDLE_ENTRY = re.compile(HANDLE.pattern + r"\s*(?:$|[(\[\-–—:,;|])")
# A list entry may name what the handle is ("Akun @x", "Kanal: @x", "Username - @x") and list
# several handles ("@x, @y", "@x dan @y"); a person's name before a handle is no such word.
ENTRY_LABEL = re.compile(r"(?:akun|kanal|channel|grup|group|username|user|bot|nama[ \t]+pengguna)"
                         r"(?:[ \t]+telegram)?[ \t]*[:\-–—]?[ \t]*", re.IGNORECASE)
MORE_HANDLES = re.compile(r"\s*(?:,|;|/|&|\bdan\b|\band\b)\s*(?=@)", re.IGNORECASE)
QUOTE_PREFIX = re.compile(r"^(?:[ \t]*>)+[ \t]?")
CELL_SEPARATOR = re.compile(r"\s*[|\t]\s*")
LAYOUT_GAP = re.compile(r"\s{2,}")
ROW_NUMBER = re.compile(r"\d{1,6}\.?")
# HTML is tokenised in one linear pass rather than with html.parser, which rescans to the end
# of the input for each malformed tag: '<a b=">"' repeated 20,000 times takes it a minute, a
# few MB of it hours. Here a tag cannot contain "<" and is bounded in length, so the text each
# "<" is tried against never overlaps another's.
HTML_TOKEN = re.compile(
    r"""<!--.*?(?:-->|\Z)
      | <!\[CDATA\[.*?(?:\]\]>|\Z)
      | <(?P<end>/)?(?P<tag>[a-zA-Z][a-zA-Z0-9:-]{0,30})
        (?P<attrs>(?:[^<>"']|"[^"<>]{0,4096}"|'[^'<>]{0,4096}'){0,2048})>
      | <[!?][^<>]{0,4096}>""",
    re.DOTALL | re.VERBOSE,
)
HTML_ATTRIBUTE = re.compile(r"""([^\s=/"'<>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
RAW_TEXT_END = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}
# Header words of a table column that holds targets: a bare "name" there is a username.
LINK_HEADERS = {
    "url", "urls", "link", "links", "tautan", "alamat", "target", "username", "akun", "handle",
    "pengguna",  # "Nama Pengguna": the username
}
# Mail security gateways rewrite links; the wrapped link is the one the authority wrote.
REDIRECT_PARAMS = {"safelinks.protection.outlook.com": ("url",), "google.com": ("q", "url"),
                   "linkprotect.cudasvc.com": ("a",), "trendmicro.com": ("url",), "fireeye.com": ("u",),
                   "trellix.com": ("u",)}
PROOFPOINT_V3 = re.compile(r"/v3/__(.+?)__;")
# Mail security gateways: their links stand for another one, which some (Mimecast) hide.
LINK_GATEWAYS = ("safelinks.protection.outlook.com", "urldefense.com", "urldefense.proofpoint.com",
                 "mimecast.com", "mimecastprotect.com", "linkprotect.cudasvc.com", "trendmicro.com",
                 "protection.sophos.com", "secure-web.cisco.com", "fireeye.com", "trellix.com")
HEADER_SEARCH_ROWS = 15  # a letterhead, a title or blank rows may come before a table's header
MAX_SPELLINGS_PER_TARGET = 8
MAX_OUT_OF_SCOPE = 200
MAX_REJECTED = 200
MAX_NOTES = 200


@dataclass
class Harvest:
    """What was found so far: targets with the spellings that named them, and the rest.

    A mutable accumulator, one per message while it is parsed.
    """

    targets: dict[str, Target] = field(default_factory=dict)
    spellings: dict[str, list[str]] = field(default_factory=dict)
    out_of_scope: dict[str, None] = field(default_factory=dict)  # an ordered set
    rejected: dict[str, str] = field(default_factory=dict)  # spelling -> why it is no target
    notes: list[str] = field(default_factory=list)

    def add_target(self, target: Target, spelling: str) -> None:
        self.targets.setdefault(target.canonical, target)
        written = self.spellings.setdefault(target.canonical, [])
        if spelling not in written and len(written) < MAX_SPELLINGS_PER_TARGET:
            written.append(spelling)

    def add_out_of_scope(self, link: str) -> None:
        if len(self.out_of_scope) < MAX_OUT_OF_SCOPE:
            self.out_of_scope.setdefault(link, None)

    def add_rejected(self, spelling: str, reason: str) -> None:
        if len(self.rejected) < MAX_REJECTED:
            self.rejected.setdefault(spelling[:500], reason[:500])

    def add_note(self, note: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(note)

    def merge(self, other: Harvest) -> None:
        for canonical, target in other.targets.items():
            for spelling in other.spellings.get(canonical, []):
                self.add_target(target, spelling)
        for link in other.out_of_scope:
            self.add_out_of_scope(link)
        for spelling, reason in other.rejected.items():
            self.add_rejected(spelling, reason)
        for note in other.notes:
            self.add_note(note)

    def sorted_targets(self) -> list[Target]:
        return [self.targets[key] for key in sorted(self.targets)]


def find_targets(text: str) -> list[Target]:
    """The targets written in a piece of plain text, each once, sorted."""
    harvest = Harvest()
    harvest_text(text, harvest)
    return harvest.sorted_targets()


def harvest_spelling(spelling: str, harvest: Harvest, *, structured: bool = False) -> None:
    """Record one written link. ``structured``: it stands alone as an entry of a list or a
    cell of a table of targets, so a bare ``@name`` or ``name`` names a target too."""
    spelling = spelling.strip()
    link = unwrap_redirect(clean_spelling(spelling))
    if not link or (not structured and (link.startswith("@") or USERNAME.fullmatch(link))):
        return
    try:
        harvest.add_target(parse_target(link), spelling)
    except InvalidTarget as exc:
        if looks_like_telegram(link) or (structured and not _is_url(link)):
            harvest.add_rejected(spelling, exc.message)
        else:
            harvest.add_out_of_scope(link)


def harvest_text(text: str, harvest: Harvest, *, max_line_chars: int = 10_000) -> None:
    """Links anywhere in the text; ``@name`` only as a list entry or a cell of a numbered
    text-table row."""
    text = refang(text)
    for match in LINK.finditer(text):
        harvest_spelling(match.group(), harvest)
    if "@" not in text:
        return
    for line in text.splitlines():
        if "@" in line and len(line) <= max_line_chars:
            for handle in _entry_handles(line):
                harvest_spelling("@" + handle, harvest, structured=True)


def harvest_table(
    rows: Iterable[Sequence[object]],
    harvest: Harvest,
    *,
    scan_text: bool = True,
    handles_need_context: bool = False,
) -> int:
    """Rows of a table (CSV, spreadsheet, HTML). Returns how many rows were read.

    In a column headed as a link column ("URL", "Tautan", "Username") every cell is a target;
    elsewhere a cell that is exactly ``@name`` is one, and (``scan_text``) links in any cell
    count. ``handles_need_context``: take ``@name`` cells only from a table that also has a
    link column or a Telegram link, so that a signature laid out as a table adds nothing.
    """
    link_columns: set[int] = set()
    found = Harvest() if handles_need_context else harvest  # a large list goes straight in
    handles: list[str] = []
    count = 0
    for count, row in enumerate(rows, start=1):
        cells = ["" if value is None else str(value).strip() for value in row]
        header = (not link_columns and count <= HEADER_SEARCH_ROWS and not _numbered(cells)
                  and bool(_link_columns(cells)))
        if header:  # a title row may come first; the header is still read for links
            link_columns = _link_columns(cells)
        for index, cell in enumerate(cells):
            if not cell:
                continue
            if index in link_columns and not header and len(cell.split(maxsplit=1)) == 1:
                harvest_spelling(cell, found, structured=True)
            elif HANDLE.fullmatch(cell):
                if handles_need_context:
                    handles.append(cell)
                else:
                    harvest_spelling(cell, found, structured=True)
            elif scan_text and ("." in cell or "/" in cell or ":" in cell):  # no link without one
                harvest_text(cell, found)
    if link_columns or found.targets:
        for handle in handles:
            harvest_spelling(handle, found, structured=True)
    if found is not harvest:
        harvest.merge(found)
    return count


def harvest_html(html: str, harvest: Harvest) -> str:
    """Targets in an HTML body; returns its visible text, for reading the letter.

    A link's ``href`` is authoritative: its visible text is not searched (it may name another
    channel), and a difference is noted. Tables are read as tables.
    """
    reader = _HtmlReader(harvest)
    reader.read(html)
    text = "".join(reader.text)
    harvest_text(text, harvest)
    return text


def refang(text: str) -> str:
    """Remove invisible characters and undo defanging across a whole text."""
    text = text.translate(INVISIBLE)
    for pattern, replacement in DEFANGS:
        text = pattern.sub(replacement, text)
    return text


def unwrap_redirect(link: str) -> str:
    """A gateway-rewritten link -> the link it wraps: Outlook Safe Links, Google redirects,
    Proofpoint URL Defense (v2 and v3), Barracuda, Trend Micro, Sophos, FireEye and Cisco
    Secure Email, and any redirect whose parameter is a Telegram link. A gateway may wrap
    another gateway's link; an opaque one (Mimecast) stays as it is."""
    for _ in range(4):
        unwrapped = _unwrap_once(link)
        if unwrapped == link:
            break
        link = unwrapped.strip()
    return link


def is_link_gateway(link: str) -> bool:
    """Whether a link was rewritten by a mail security gateway (whatever it wraps)."""
    host = _hostname(link)
    return any(host == domain or host.endswith("." + domain) for domain in LINK_GATEWAYS)


def _unwrap_once(link: str) -> str:
    if "?" not in link and "__" not in link and "%" not in link:
        return link
    try:
        parts = urlsplit(link if "://" in link else "https://" + link)
        host = (parts.hostname or "").lower()
        query = parse_qs(parts.query)
    except ValueError:
        return link
    for domain, keys in REDIRECT_PARAMS.items():
        if host == domain or host.endswith("." + domain):
            if domain == "google.com" and parts.path != "/url":
                return link
            return next((query[key][0] for key in keys if query.get(key)), link)
    if host in ("urldefense.com", "urldefense.proofpoint.com"):
        wrapped = PROOFPOINT_V3.search(link)
        if wrapped:
            return wrapped.group(1)
        if parts.path.startswith("/v2/") and query.get("u"):  # "-" stands for "%", "_" for "/"
            return unquote(query["u"][0].replace("-", "%").replace("_", "/"))
        return link
    if host.endswith(".protection.sophos.com") and query.get("u"):
        encoded = query["u"][0]
        try:
            return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return link
    if host == "secure-web.cisco.com":  # the wrapped link is the last path segment, %-encoded
        last = unquote(parts.path.rsplit("/", 1)[-1])
        return last if last.lower().startswith(("http://", "https://")) else link
    for values in query.values():  # any redirector: a parameter that is a Telegram link
        value = values[0].strip()
        if value.lower().startswith(("http://", "https://", "tg:")) and looks_like_telegram(value):
            return value
    return link


def _hostname(link: str) -> str:
    try:
        return (urlsplit(link if "://" in link else "https://" + link).hostname or "").lower()
    except ValueError:
        return ""


def _is_url(text: str) -> bool:
    return "://" in text or bool(re.match(r"(?:[\w-]+\.)+[a-z]{2,}/", text, re.IGNORECASE))


def _entry_handles(line: str) -> list[str]:
    line = QUOTE_PREFIX.sub("", line)
    item = LIST_ITEM.match(line)
    if item:
        start = item.end()
        label = ENTRY_LABEL.match(line, start)
        if label and line.startswith("@", label.end()):
            start = label.end()
        handles: list[str] = []
        while handle := HANDLE.match(line, start):
            more = MORE_HANDLES.match(line, handle.end())
            if more:
                handles.append(handle.group("handle"))
                start = more.end()
                continue
            # The last one must end the entry, or be followed by a remark: else it is prose.
            handles = [*handles, handle.group("handle")] if HANDLE_ENTRY.match(line, start) else []
            break
        if handles:
            return handles
    return [m.group("handle") for cell in _table_cells(line) if (m := HANDLE.fullmatch(cell))]


def _table_cells(line: str) -> list[str]:
    """Cells of a numbered text-table row: "| 1 | @name |", "1<TAB>@name", or a row of a PDF
    laid out as text, whose columns stay two or more spaces apart. The row number keeps a
    signature such as "Maya | @maya_wasdig" out."""
    row = line.strip().strip("|").strip()
    separator = CELL_SEPARATOR if ("|" in row or "\t" in row) else LAYOUT_GAP
    cells = [c for c in separator.split(row) if c]
    if len(cells) >= 2 and ROW_NUMBER.fullmatch(cells[0]):
        return cells[1:]
    return []


def _numbered(cells: list[str]) -> bool:
    """A row that starts with a row number is a row of data, never a header."""
    first = next((cell for cell in cells if cell), "")
    return bool(ROW_NUMBER.fullmatch(first))


def _link_columns(header: list[str]) -> set[int]:
    """Columns headed as link columns; none when the row holds a link or a handle itself,
    because then it is a row of data, not a header."""
    if any("@" in cell or LINK.search(refang(cell)) for cell in header):
        return set()
    found = set()
    for index, cell in enumerate(header):
        words = re.findall(r"[a-z]+", cell.lower()) if len(cell) <= 40 else []
        if LINK_HEADERS.intersection(words):
            found.add(index)
    return found


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    cell: list[str] | None = None
    links_to_telegram: bool = False  # an <a href> in it names a target

    def start_row(self) -> None:
        self.end_cell()
        self.rows.append([])

    def start_cell(self) -> None:
        self.end_cell()
        if not self.rows:
            self.rows.append([])
        self.cell = []

    def end_cell(self) -> None:
        if self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell))
        self.cell = None


class _HtmlReader:
    """HTML -> text with one line per block and "- " per list item, so that the text rules
    apply unchanged; tables are also collected as rows of cells for :func:`harvest_table`."""

    BLOCKS = {
        "p", "div", "br", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "hr", "section", "article", "header", "footer", "title", "dd",
        "dt", "dl", "center", "address",
    }
    # An unclosed <a> stops hiding text at the end of its block, not at the end of the body.
    ANCHOR_ENDERS = {"a", "td", "th", "li", "p", "div", "tr", "table", "ul", "ol", "br"}
    MAX_OPEN_TABLES = 64

    def __init__(self, harvest: Harvest):
        self.harvest = harvest
        self.text: list[str] = []
        self.tables: list[_Table] = []
        self.anchor_href: str | None = None
        self.anchor_targets: list[str] = []
        self.anchor_text: list[str] = []

    def read(self, html: str) -> None:
        position = 0
        while position < len(html):
            token = HTML_TOKEN.search(html, position)
            end = token.start() if token else len(html)
            if end > position:
                self.handle_data(unescape(html[position:end]))
            if token is None:
                break
            position = token.end()
            tag = (token.group("tag") or "").lower()
            if not tag:
                continue  # a comment, CDATA, doctype or processing instruction
            if token.group("end"):
                self.handle_endtag(tag)
                continue
            self.handle_starttag(tag, _attributes(token.group("attrs")))
            if tag in RAW_TEXT_END:  # script and style: no text, no links; skip to their end
                closing = RAW_TEXT_END[tag].search(html, position)
                position = closing.end() if closing else len(html)
        self._end_anchor()
        while self.tables:
            self._finish_table(self.tables.pop())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.ANCHOR_ENDERS:
            self._end_anchor()
        if tag == "a":
            self._start_anchor(attrs)
        elif tag == "li":
            self.text.append("\n- ")
        elif tag in ("td", "th"):
            self.text.append(" | ")
            if self.tables:
                self.tables[-1].start_cell()
        elif tag in self.BLOCKS:
            self.text.append("\n")
        if tag == "table" and len(self.tables) < self.MAX_OPEN_TABLES:
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            self.tables[-1].start_row()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.ANCHOR_ENDERS:
            self._end_anchor()
        if tag in ("td", "th"):
            self.text.append(" ")
            if self.tables:
                self.tables[-1].end_cell()
        elif tag in self.BLOCKS or tag == "li":
            self.text.append("\n")
        if tag == "table" and self.tables:
            self._finish_table(self.tables.pop())

    def handle_data(self, data: str) -> None:
        if self.anchor_href is not None:
            self.anchor_text.append(data)
            return
        self.text.append(data)
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(data)

    def _finish_table(self, table: _Table) -> None:
        table.end_cell()
        harvest_table(
            table.rows, self.harvest, scan_text=False, handles_need_context=not table.links_to_telegram
        )

    def _start_anchor(self, attrs: list[tuple[str, str | None]]) -> None:
        href = next((v for k, v in attrs if k == "href" and v), "").strip()
        if href.startswith("//"):  # protocol-relative
            href = "https:" + href
        if href.lower().startswith(("http:", "https:", "tg:", "hxxp", "www.")) or looks_like_telegram(href):
            linked = Harvest()
            harvest_spelling(href, linked)
            if not linked.targets and is_link_gateway(href):
                # The gateway hides where the link goes: what the authority wrote is the text shown.
                self.harvest.add_note(f"the link {href[:200]!r} was rewritten by a mail security gateway "
                                      "that hides its destination; the link's shown text counts")
                return
            self.harvest.merge(linked)
            self.anchor_href, self.anchor_targets = href, sorted(linked.targets)
            if self.tables and linked.targets:
                self.tables[-1].links_to_telegram = True

    def _end_anchor(self) -> None:
        if self.anchor_href is None:
            return
        href, shown = self.anchor_href, "".join(self.anchor_text).strip()
        self.anchor_href, self.anchor_text = None, []
        self.text.append(" ")  # keep the words on either side of the link apart
        shown_targets = [t.canonical for t in find_targets(shown)]
        if shown_targets and shown_targets != self.anchor_targets:
            self.harvest.add_note(
                f"HTML link text {shown[:120]!r} differs from its href {href[:200]!r}; the href counts"
            )


def _attributes(text: str) -> list[tuple[str, str | None]]:
    attributes: list[tuple[str, str | None]] = []
    for name, value in HTML_ATTRIBUTE.findall(text):
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes.append((name.lower(), unescape(value) if value else None))
    return attributes
