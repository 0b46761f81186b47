"""Compliance and TCO reports as files: CSV for machines, PDF (fpdf2) for the authority's desk.
Times in the report's zone (WIB by default) with UTC in the CSV beside them."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF

from tanggap.services.compliance import ComplianceReport, TcoReport

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
OUTCOME_WORDS = {"actioned": "actioned", "refused": "refused", "rejected": "unreadable target",
                 "pending": "not yet acted on"}


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M") if moment else ""


def _utc(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def _minutes(delta: timedelta | None) -> str:
    return str(int(delta.total_seconds() // 60)) if delta else ""


def _late(delta: timedelta | None) -> str:
    if delta is None:  # not late
        return ""
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return f"+{hours} h {minutes} min" if hours else f"+{minutes} min"


def _hours(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def write_compliance_csv(report: ComplianceReport, path: Path) -> None:
    zone = ZoneInfo(report.timezone)
    with _atomic(path) as out:
        writer = csv.writer(out)
        writer.writerow(["authority", "order_reference", "received_at_utc", f"received_at_{report.timezone}",
                         "deadline_utc", "deadline_basis", "target", "outcome", "action", "acted_at_utc",
                         "hours_to_action", "breach", "late_by_minutes", "reason", "reversed_later"])
        for line in report.lines:
            row = line.row
            writer.writerow([_cell(row.authority), _cell(row.reference or ""), _utc(row.received_at),
                             _local(row.received_at, zone), _utc(row.deadline_due_at), row.deadline_basis,
                             _cell(row.target), row.outcome, row.action or "", _utc(row.acted_at),
                             _hours(line.hours_to_action), "yes" if line.breached else "no",
                             _minutes(line.late_by) if line.breached else "", _cell(row.reason or ""),
                             "yes" if row.reversed else "no"])


def _cell(value: str) -> str:
    """A spreadsheet must not run what an attacker wrote (a "target" like =HYPERLINK(…) in an
    order): text that would start a formula is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_tco_csv(report: TcoReport, path: Path) -> None:
    with _atomic(path) as out:
        writer = csv.writer(out)
        writer.writerow(["section", "item", "figure"])
        writer.writerows(report.rows())


class _Atomic:
    def __init__(self, path: Path):
        self.path, self.partial = path, path.with_name(path.name + ".partial")

    def __enter__(self):
        self.file = self.partial.open("w", newline="", encoding="utf-8")
        return self.file

    def __exit__(self, kind, *rest):
        self.file.close()
        if kind is None:
            self.partial.replace(self.path)
        else:
            self.partial.unlink(missing_ok=True)


def _atomic(path: Path) -> _Atomic:
    return _Atomic(path)


# --- PDF --------------------------------------------------------------------------------------

class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="L", format="A4")
        self.title_text = title
        self.has_unicode = _use_unicode_font(self)
        self.set_auto_page_break(True, margin=12)
        self.add_page()

    def header(self):
        self.set_font(self.family_name, "B", 13)
        self.cell(0, 8, self.clean(self.title_text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self):
        self.set_y(-10)
        self.set_font(self.family_name, "", 8)
        self.cell(0, 6, f"Tanggap · page {self.page_no()}" if self.has_unicode else f"Tanggap - page {self.page_no()}",
                  align="R")

    def clean(self, value: str) -> str:
        """Core fonts know Latin-1 only: without DejaVu, other characters become '?'."""
        return value if self.has_unicode else value.encode("latin-1", "replace").decode("latin-1")

    @property
    def family_name(self) -> str:
        return "DejaVu" if self.has_unicode else "Helvetica"

    def table_of(self, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self.set_font(self.family_name, "B", 8)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.5,
                        first_row_as_headings=True) as table:
            heading = table.row()
            for name in headings:
                heading.cell(self.clean(name))
            self.set_font(self.family_name, "", 8)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))


def _use_unicode_font(document: FPDF) -> bool:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            document.add_font("DejaVu", "", str(regular))
            document.add_font("DejaVu", "B", str(bold))
            return True
    return False


def write_compliance_pdf(report: ComplianceReport, path: Path) -> None:
    zone = ZoneInfo(report.timezone)
    summary = report.summary
    pdf = _Document(f"Compliance report: {report.authority}, {report.year}-{report.month:02d}")
    pdf.set_font(pdf.family_name, "", 10)
    facts = [
        f"Orders received: {summary.orders}. Targets: {summary.targets}. Actioned: {summary.actioned}. "
        f"Refused: {summary.refused}. Unreadable: {summary.unreadable}. Not yet acted on: {summary.pending}.",
        f"Within the deadline: {summary.in_time}. Past the deadline: {summary.breaches}. "
        f"Median time to action: {_hours(summary.median_hours) or '-'} h; 95th percentile: "
        f"{_hours(summary.p95_hours) or '-'} h.",
        f"Times in {report.timezone}. Generated {_local(report.generated_at, zone)}.",
    ]
    for fact in facts:
        pdf.multi_cell(0, 5, pdf.clean(fact), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    rows = [[line.row.reference or "", _local(line.row.received_at, zone), _local(line.row.deadline_due_at, zone),
             line.row.target, OUTCOME_WORDS.get(line.row.outcome, line.row.outcome), _local(line.row.acted_at, zone),
             f"BREACH {_late(line.late_by)}" if line.breached else "in time" if line.row.outcome == "actioned" else "",
             (line.row.reason or "")[:120]] for line in report.lines]
    pdf.table_of(["Order", "Received", "Deadline", "Target", "Outcome", "Acted at", "Deadline met", "Reason"],
                 rows or [["", "", "", "no orders this month", "", "", "", ""]], [42, 27, 27, 52, 24, 27, 32, 46])
    _save(pdf, path)


def write_tco_pdf(report: TcoReport, path: Path) -> None:
    pdf = _Document(f"Transparency report under Article 7 of Regulation (EU) 2021/784 (TCO), {report.year}")
    pdf.set_font(pdf.family_name, "", 10)
    pdf.multi_cell(0, 5, pdf.clean(
        "Removal orders from EU and EEA competent authorities, terrorist content removed or disabled by our own "
        "measures, complaints and reinstatements. Figures come from the same records as the public "
        "transparency page and the statements of reasons."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.table_of(["Section", "Item", "Figure"], [[s, item, str(n)] for s, item, n in report.rows()], [30, 200, 30])
    _save(pdf, path)


def _save(pdf: FPDF, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    pdf.output(str(partial))
    partial.replace(path)
