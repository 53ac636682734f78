"""The protocol and work order PDFs laid out with fpdf2, and the photos scaled down with
Pillow before they go in (a 4 MP phone photo is 1-5 MB; at 1024 px and JPEG quality 80 it
is ~100 kB, and ten of them still fit an e-mail). No I/O: the photos' bytes come in.

The built-in PDF fonts cover Latin-1 (Swedish, German, French ... letters); other
characters are written as ``?`` rather than failing the document.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image, ImageOps, UnidentifiedImageError

from fieldwork.documents.domain import (
    AttachmentRef,
    ItemLine,
    ProtocolDoc,
    WorkLine,
    WorkOrderDoc,
    duration,
    local_stamp,
    quantity,
)

log = logging.getLogger(__name__)

# The longest side of a photo in the PDF, in pixels: ~300 dpi at the 88 mm it is drawn, a
# fraction of the original's size; and low enough that a 2-4 MP JPEG is decoded at half
# scale (bench/protocol_pdf.py: a third of the time of decoding it whole and resizing).
PHOTO_MAX_PIXELS = 1024
PHOTO_QUALITY = 80
# Two photos a row, each in a box of this size (mm), its caption below.
_PHOTO_BOX = (88.0, 66.0)
_CAPTION = 5.0
_KIND_LABELS = {
    "photo_before": "Before",
    "photo_after": "After",
    "signed_protocol": "Signed handover protocol",
}
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


def latin1(text: str | None) -> str:
    replacements = {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u20ac": "EUR",
        "\u2026": "...",
    }
    text = "".join(replacements.get(c, c) for c in (text or ""))
    return text.encode("latin-1", "replace").decode("latin-1")


def scaled_photo(data: bytes) -> bytes | None:
    """A photo as a JPEG of at most ``PHOTO_MAX_PIXELS`` on its longest side, turned as
    its EXIF says; None when the bytes are no image Pillow reads."""
    try:
        with Image.open(io.BytesIO(data)) as original:
            # A JPEG is decoded at a reduced scale straight away (1/2, 1/4, 1/8): a 12 MP
            # photo never lands in memory whole.
            original.draft("RGB", _fitted(original.size))
            original.thumbnail((PHOTO_MAX_PIXELS, PHOTO_MAX_PIXELS))
            # Turned after the resize: fewer pixels to move.
            image = ImageOps.exif_transpose(original)
            if image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        log.warning("a photo could not be read for the PDF: %s", error)
        return None


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    """The size a photo is scaled to: its longest side ``PHOTO_MAX_PIXELS`` at most. The
    JPEG decoder's draft needs it (both sides), not the square box."""
    width, height = size
    scale = min(1.0, PHOTO_MAX_PIXELS / max(width, height, 1))
    return max(1, int(width * scale)), max(1, int(height * scale))


class _Document(FPDF):
    def __init__(self, title: str, company: str) -> None:
        super().__init__(format="A4")
        self._title = latin1(title)
        self._company = latin1(company)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(self._title)
        self.set_author(self._company)
        self.set_creator("Aftersales field work")
        # A fixed creation date: the same content renders to the same bytes.
        self.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self._company} - {self._title}", align="L")
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        self.set_font("helvetica", style="B", size=16)
        self.multi_cell(0, 9, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def section(self, text: str) -> None:
        self.ln(3)
        self.set_font("helvetica", style="B", size=12)
        self.cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", size=10)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value pairs, one a line; an empty value is left out."""
        for label, value in rows:
            if not value:
                continue
            self.set_font("helvetica", style="B", size=10)
            self.cell(45, 5.5, latin1(label))
            self.set_font("helvetica", size=10)
            self.multi_cell(0, 5.5, latin1(value), new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.set_font("helvetica", size=10)
        self.multi_cell(0, 5.5, latin1(text.strip()) or "-", new_x="LMARGIN", new_y="NEXT")

    def lines_table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        """A table with a heading row; ``widths`` are the columns' shares of the width."""
        self.set_font("helvetica", size=9)
        with self.table(
            col_widths=tuple(widths),
            headings_style=_HEADINGS,
            line_height=5.5,
            text_align="LEFT",
            width=self.epw,
        ) as table:
            table.row([latin1(h) for h in header])
            for row in rows:
                table.row([latin1(cell) for cell in row])
        self.set_font("helvetica", size=10)


def _items(pdf: _Document, items: Sequence[ItemLine]) -> None:
    pdf.section("Consumed items")
    if not items:
        pdf.paragraph("None.")
        return
    pdf.lines_table(
        ("Product", "Description", "Quantity", "Unit"),
        [(i.product_number or "", i.description, quantity(i.quantity), i.unit) for i in items],
        (25, 95, 20, 20),
    )


def _works(pdf: _Document, works: Sequence[WorkLine]) -> None:
    pdf.section("Works")
    if not works:
        pdf.paragraph("None.")
        return
    rows = [
        (
            w.description,
            duration(w.minutes),
            w.technician_name or "",
            w.work_date.isoformat() if w.work_date else "",
        )
        for w in works
    ]
    rows.append(("Total", duration(sum(w.minutes for w in works)), "", ""))
    pdf.lines_table(("Work", "Time", "Technician", "Date"), rows, (90, 25, 40, 25))


def _photos(pdf: _Document, photos: Sequence[tuple[AttachmentRef, bytes]]) -> None:
    box_w, box_h = _PHOTO_BOX
    gap = pdf.epw - 2 * box_w
    for index, (attachment, data) in enumerate(photos):
        column = index % 2
        if column == 0:
            if pdf.get_y() + box_h + _CAPTION > pdf.page_break_trigger:
                pdf.add_page()
            top = pdf.get_y()
        x = pdf.l_margin + column * (box_w + gap)
        pdf.image(io.BytesIO(data), x=x, y=top, w=box_w, h=box_h, keep_aspect_ratio=True)
        pdf.set_xy(x, top + box_h + 0.5)
        pdf.set_font("helvetica", size=8)
        label = f"{_KIND_LABELS.get(attachment.kind, attachment.kind)}: {attachment.file_name}"
        pdf.cell(box_w, _CAPTION - 1, latin1(label))
        if column == 1 or index == len(photos) - 1:
            pdf.set_xy(pdf.l_margin, top + box_h + _CAPTION + 2)
    pdf.set_font("helvetica", size=10)


def render_protocol(doc: ProtocolDoc, images: Mapping[str, bytes], *, company: str) -> bytes:
    """The service protocol: references, customer and location, serial items, dates,
    fault and solution, consumed items, works with time, technicians, the signed handover
    protocol noted, and the photos (scaled down) when the protocol shows images; other
    attachments are listed by name. ``images``: an attachment id -> its bytes (a photo
    missing there or unreadable is listed instead of drawn)."""
    pdf = _Document(f"Service protocol {doc.reference}", company)
    pdf.heading(f"Service protocol {doc.reference}")
    zone = doc.time_zone
    pdf.facts(
        [
            ("Service order", doc.order_number or ""),
            ("Service case", f"{doc.case_number} {doc.case_name}".strip()),
            ("Customer", _customer(doc.customer_name, doc.customer_number)),
            ("Customer order no.", doc.customer_order_number or ""),
            ("Facility", doc.facility_name or ""),
            ("Location", doc.location),
            (
                "Serial items",
                "\n".join(f"{s.serial_number}  {s.name}".strip() for s in doc.serial_items),
            ),
            ("Visits", ", ".join(d.isoformat() for d in doc.visit_dates)),
            ("Created", local_stamp(doc.created_at, zone)),
            (
                "Completed",
                " ".join(
                    p for p in (local_stamp(doc.completed_at, zone), _by(doc.completed_by)) if p
                ),
            ),
            ("Status", doc.status),
            ("Technicians", ", ".join(doc.technicians)),
        ]
    )
    pdf.section("Fault")
    pdf.paragraph(doc.fault_description)
    pdf.section("Solution")
    pdf.paragraph(doc.solution_description)
    if doc.problem_reported:
        pdf.section("Problem reported")
        pdf.paragraph(doc.problem_description or "")
    _items(pdf, doc.items)
    _works(pdf, doc.works)
    signed = [a for a in doc.attachments if a.kind == "signed_protocol"]
    pdf.section("Signed handover protocol")
    pdf.paragraph(
        "Attached: " + ", ".join(a.file_name for a in signed)
        if signed
        else "No signed handover protocol attached."
    )
    drawn: list[tuple[AttachmentRef, bytes]] = []
    unreadable: list[AttachmentRef] = []
    for photo in doc.photos():
        data = images.get(photo.attachment_id)
        scaled = scaled_photo(data) if data is not None else None
        if scaled is None:
            unreadable.append(photo)
        else:
            drawn.append((photo, scaled))
    listed = [a for a in doc.listed_files() if a.kind != "signed_protocol"] + unreadable
    if drawn:
        pdf.section("Photos")
        _photos(pdf, drawn)
    if listed:
        pdf.section("Other attachments")
        pdf.paragraph(
            "\n".join(
                f"{_KIND_LABELS.get(a.kind, a.kind)}: {a.file_name} ({a.media_type})"
                for a in listed
            )
        )
    return bytes(pdf.output())


def render_work_order(doc: WorkOrderDoc, *, company: str) -> bytes:
    """The work order (order confirmation): the order's details, its bookings and
    technicians, the description, and its completed protocol's lines."""
    pdf = _Document(f"Work order {doc.number}", company)
    pdf.heading(f"Work order {doc.number}")
    zone = doc.time_zone
    pdf.facts(
        [
            ("Service case", f"{doc.case_number} {doc.case_name}".strip()),
            ("Kind", doc.kind_name or ""),
            ("Stage", doc.stage + (f" ({doc.status})" if doc.status else "")),
            ("Priority", doc.priority),
            (
                "Trip",
                doc.trip_type.replace("_", " ")
                + (f", {doc.distance_km} km" if doc.distance_km is not None else ""),
            ),
            ("Customer", _customer(doc.customer_name, doc.customer_number)),
            ("Contact", doc.contact_name or ""),
            ("Customer order no.", doc.customer_order_number or ""),
            ("Facility", doc.facility_name or ""),
            ("Location", doc.location),
            (
                "Serial items",
                "\n".join(f"{s.serial_number}  {s.name}".strip() for s in doc.serial_items),
            ),
            ("Technicians", ", ".join(doc.technicians)),
            ("Created", local_stamp(doc.created_at, zone)),
            ("Completed", local_stamp(doc.completed_at, zone)),
        ]
    )
    pdf.section("Description")
    pdf.paragraph(doc.description)
    pdf.section("Bookings")
    if doc.bookings:
        pdf.lines_table(
            ("Date", "Time", "Technician", "State"),
            [
                (
                    b.local_date.isoformat(),
                    f"{b.local_start:%H:%M}-{b.local_end:%H:%M}",
                    b.technician_name,
                    b.state,
                )
                for b in doc.bookings
            ],
            (30, 30, 70, 30),
        )
    else:
        pdf.paragraph("None.")
    if doc.protocol_completed_at is not None:
        pdf.section(f"Service protocol, completed {local_stamp(doc.protocol_completed_at, zone)}")
        _items(pdf, doc.protocol_items)
        _works(pdf, doc.protocol_works)
    return bytes(pdf.output())


def _customer(name: str, number: str | None) -> str:
    return f"{name} ({number})" if number else name


def _by(who: str | None) -> str:
    return f"by {who}" if who else ""
