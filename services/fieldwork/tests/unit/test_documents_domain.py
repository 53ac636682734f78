"""The documents' pure rules: file names, fingerprints, who gets what, the sent log's
flags, the mails' texts; and the PDFs rendered without I/O, read back with pypdf."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader

from fieldwork.documents import domain, pdf
from fieldwork.documents.domain import (
    AttachmentRef,
    Contact,
    InternalMail,
    ItemLine,
    ProtocolDoc,
    SerialLine,
    WorkLine,
)

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def _contact(contact_id: str, name: str, email: str | None, **flags: bool) -> Contact:
    return Contact(
        contact_id=contact_id,
        name=name,
        email=email,
        mobile=None,
        send_service_protocol=flags.get("protocol", False),
        send_work_order=flags.get("work_order", False),
    )


def _attachment(kind: str, name: str, media_type: str, sha: str = "a" * 64) -> AttachmentRef:
    return AttachmentRef(name, kind, name, media_type, sha, f"protocols/p/{name}")


def _doc(**changes: object) -> ProtocolDoc:
    doc = ProtocolDoc(
        protocol_id="p",
        status="completed",
        case_number="SC-000045",
        case_name="Oven",
        order_number="SO-000123",
        customer_name="Bageriet AB",
        customer_number="C-1",
        customer_order_number="PO-9",
        location="Drottninggatan 1, 111 51 Stockholm, SE",
        facility_name=None,
        serial_items=(SerialLine("SN-4711", "Deck oven"),),
        visit_dates=(date(2026, 11, 30),),
        created_at=NOW,
        completed_at=NOW,
        completed_by="tina",
        fault_description="Door does not close",
        solution_description="Replaced hinge",
        problem_reported=False,
        problem_description=None,
        items=(ItemLine("Hinge", Decimal("2.000"), "pcs", "HG-7"),),
        works=(WorkLine("Replaced the hinge", 90, "Tina", date(2026, 11, 30)),),
        technicians=("Tina",),
        attachments=(
            _attachment("photo_after", "after.jpg", "image/jpeg"),
            _attachment("photo_before", "before.png", "image/png"),
            _attachment("photo_before", "x.heic", "image/heic"),
            _attachment("signed_protocol", "signed.pdf", "application/pdf"),
        ),
        show_images=True,
        time_zone="Europe/Stockholm",
    )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


# --- file names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "machine", "with_machine", "expected"),
    [
        ("SO-000123", "SN-4711", False, "protocol-SO-000123.pdf"),
        ("SO-000123", "SN-4711", True, "protocol-SO-000123-SN-4711.pdf"),
        ("SO-000123", None, True, "protocol-SO-000123.pdf"),
        ("SO-000123", "  ", True, "protocol-SO-000123.pdf"),
        ("SC-000045", "AB/12:3*", True, "protocol-SC-000045-AB_12_3_.pdf"),
        ("SO-1", "M 17 ", True, "protocol-SO-1-M-17.pdf"),
    ],
)
def test_protocol_file_names(
    reference: str, machine: str | None, with_machine: bool, expected: str
) -> None:
    assert (
        domain.protocol_file_name(reference, machine, with_machine_number=with_machine) == expected
    )


def test_safe_file_names() -> None:
    assert domain.safe_file_name("../../etc/passwd") == "_.._etc_passwd.pdf"
    assert domain.safe_file_name("CON") == "_CON.pdf"
    assert domain.safe_file_name("...") == "document.pdf"
    long = domain.safe_file_name("x" * 300)
    assert len(long) == domain.MAX_FILE_NAME
    assert long.endswith(".pdf")
    assert domain.work_order_file_name("SO-000123") == "work-order-SO-000123.pdf"


# --- fingerprints and flags ----------------------------------------------------------------


def test_a_fingerprint_is_of_the_content() -> None:
    doc = _doc()
    assert domain.fingerprint(doc) == domain.fingerprint(_doc())
    # A quantity written another way is the same quantity.
    assert domain.fingerprint(doc) == domain.fingerprint(
        _doc(items=(ItemLine("Hinge", Decimal("2"), "pcs", "HG-7"),))
    )
    for change in (
        {"solution_description": "Replaced hinge and seal"},
        {"items": ()},
        {"works": (WorkLine("Replaced the hinge", 95, "Tina", date(2026, 11, 30)),)},
        {"show_images": False},
        {"attachments": (_attachment("photo_after", "after.jpg", "image/jpeg", "b" * 64),)},
        {"completed_at": datetime(2026, 12, 1, tzinfo=UTC)},
    ):
        assert domain.fingerprint(_doc(**change)) != domain.fingerprint(doc), change


def test_only_documents_are_flagged_and_only_when_they_changed() -> None:
    current = {
        domain.BOOKING_CONFIRMATION: "b1",
        domain.SERVICE_PROTOCOL: "p1",
        domain.WORK_ORDER: None,
    }
    assert not domain.flagged(domain.SERVICE_PROTOCOL, "p1", current)
    assert domain.flagged(domain.SERVICE_PROTOCOL, "p0", current)
    assert domain.flagged(domain.WORK_ORDER, "w0", current)  # the document is gone
    assert domain.flagged(domain.BOOKING_CONFIRMATION, "b0", current)
    assert not domain.flagged(domain.FREE_TEXT, "anything", current)
    assert not domain.flagged(InternalMail.ARTICLES_TO_ORDER.value, "x", current)
    assert not domain.flagged(domain.PLANNER_OUTSIDE_HOURS, "x", current)


# --- who gets what -------------------------------------------------------------------------


def test_contacts_from_catalogs_list() -> None:
    contacts = domain.contacts_of(
        [
            {
                "contact_id": "1",
                "name": " Sven ",
                "email": "sven@example.com",
                "send_service_protocol": True,
            },
            {"name": "no id", "email": "x@example.com"},
            {"contact_id": "2", "name": "Anna", "email": "", "send_work_order": "yes"},
        ]
    )
    assert contacts == [
        Contact("1", "Sven", "sven@example.com", None, True, False),
        Contact("2", "Anna", None, None, False, False),  # only true is yes
    ]
    assert domain.contact_by_id(contacts, "2") == contacts[1]
    assert domain.contact_by_id(contacts, None) is None


def test_the_protocol_goes_only_to_a_flagged_contact_with_an_address() -> None:
    flagged = _contact("1", "Sven", "sven@example.com", protocol=True)
    assert domain.protocol_recipient(flagged) == flagged
    assert domain.protocol_recipient(_contact("1", "Sven", "sven@example.com")) is None
    assert domain.protocol_recipient(_contact("1", "Sven", None, protocol=True)) is None
    assert domain.protocol_recipient(None) is None


def test_the_work_order_is_offered_to_flagged_contacts_by_first_name() -> None:
    contacts = [
        _contact("1", "Sven Svensson", "sven@example.com", work_order=True),
        _contact("2", "Anna Berg", "anna@example.com", work_order=True),
        _contact("3", "Bo", "bo@example.com"),
        _contact("4", "Ada", None, work_order=True),
    ]
    assert [c.contact_id for c in domain.work_order_offer(contacts)] == ["2", "1"]


def test_unique_addresses() -> None:
    assert domain.unique_addresses([" a@x.se", "A@X.se", "", "b@x.se"]) == ["a@x.se", "b@x.se"]


# --- texts ---------------------------------------------------------------------------------


def test_texts() -> None:
    assert [domain.duration(m) for m in (0, 45, 60, 90, 125)] == [
        "0 min",
        "45 min",
        "1 h",
        "1 h 30 min",
        "2 h 5 min",
    ]
    assert domain.quantity(Decimal("2.500")) == "2.5"
    assert domain.quantity(Decimal("100")) == "100"
    assert domain.local_stamp(NOW, "Europe/Stockholm") == "2026-11-30 08:00"
    sv = domain.protocol_mail("SO-1", "Sven", company="Acme", language="sv-SE")
    assert sv.subject == "Serviceprotokoll SO-1"
    assert "Hej Sven" in sv.body
    assert "Acme" in sv.body
    assert domain.protocol_mail("SO-1", "Sven", company="Acme", language="xx").subject == (
        "Service protocol SO-1"
    )
    assert (
        domain.work_order_mail("SO-1", "", company="A", language=None).subject == "Work order SO-1"
    )
    assert domain.free_text_subject("SO-1", "sv") == "Angående er order SO-1"
    assert domain.link_text("SO-1", "en") == "Open SO-1 in Aftersales"
    assert domain.order_url("https://a.example/", "42") == "https://a.example/service-orders/42"
    mail = domain.internal_mail(
        InternalMail.ORDERED_ARTICLES,
        number="SO-1",
        customer_name="Bageriet AB",
        location="Storgatan 1",
        text=" 2 hinges ",
        sender="tina",
        url="https://a.example/service-orders/42",
    )
    assert mail.subject == "Ordered articles: SO-1 (Bageriet AB)"
    assert mail.body.splitlines()[0] == "2 hinges"
    assert InternalMail.DELIVERED_PARTS.setting == "delivered_parts_emails"


def test_the_planner_note() -> None:
    assert domain.needs_planner_note(["overlap", "working_hours"], "standing")
    assert not domain.needs_planner_note(["overlap"], "standing")
    assert not domain.needs_planner_note(["working_hours"], "released")
    note = domain.planner_mail(
        domain.OutsideHours("b", "Tina", date(2026, 12, 2), time(18), time(20), "evening", "pia"),
        number="SO-1",
        customer_name="",
        url="u",
    )
    assert note.subject == "Booking outside working hours: SO-1 2026-12-02"
    assert "Tina is booked on 2026-12-02 18:00-20:00" in note.body
    assert "Booked by: pia" in note.body
    assert "Reason: evening" in note.body


# --- the PDFs ------------------------------------------------------------------------------


def _image(fmt: str, size: tuple[int, int] = (3000, 2000)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def _text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    return text, sum(len(p.images) for p in reader.pages)


def test_the_protocol_pdf_draws_jpeg_and_png_photos_before_then_after() -> None:
    doc = _doc(customer_name="Bäckeriet \u2013 Åre")
    images = {"after.jpg": _image("JPEG"), "before.png": _image("PNG", (400, 300))}
    text, drawn = _text(pdf.render_protocol(doc, images, company="Acme"))
    assert drawn == 2
    assert "Bäckeriet - Åre" in text  # Latin-1, the dash written plainly
    assert text.index("Before: before.png") < text.index("After: after.jpg")
    assert "x.heic" in text
    assert "Attached: signed.pdf" in text
    # Without show images, or a photo that is missing or unreadable, it is listed instead.
    text, drawn = _text(pdf.render_protocol(_doc(show_images=False), images, company="Acme"))
    assert drawn == 0
    assert "after.jpg" in text
    text, drawn = _text(pdf.render_protocol(doc, {"after.jpg": b"garbage"}, company="Acme"))
    assert drawn == 0
    assert "after.jpg" in text
    assert "before.png" in text


def test_a_photo_is_scaled_down_and_turned() -> None:
    scaled = pdf.scaled_photo(_image("JPEG", (4000, 3000)))
    assert scaled is not None
    with Image.open(io.BytesIO(scaled)) as image:
        assert (image.format, max(image.size)) == ("JPEG", pdf.PHOTO_MAX_PIXELS)
    assert pdf.scaled_photo(b"not an image") is None


def test_the_same_document_renders_to_the_same_bytes() -> None:
    assert pdf.render_protocol(_doc(), {}, company="A") == pdf.render_protocol(
        _doc(), {}, company="A"
    )
