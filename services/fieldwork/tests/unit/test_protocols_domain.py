"""The protocol's pure rules: quantities, item and work lines, editing and completion,
who gets the PDF, and what an upload must be (type by its bytes, size, file name)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from aftersales_kit.problems import Conflict, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from fieldwork.protocols import domain
from fieldwork.protocols.domain import AttachmentKind, ProtocolStatus

# --- quantities and lines ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["1", "0.001", "2.5", "1.500", "999999999.999", "1E+2"])
def test_quantities_over_zero_with_three_decimals_pass(text: str) -> None:
    assert domain.check_quantity(Decimal(text)) == Decimal(text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0", "greater than 0"),
        ("-1", "greater than 0"),
        ("0.0001", "3 decimals"),
        ("1.2345", "3 decimals"),
        ("1000000000", "at most"),
        ("NaN", "a number"),
        ("Infinity", "a number"),
    ],
)
def test_quantities_refused(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        domain.check_quantity(Decimal(text))


def test_quantities_are_written_without_exponent_or_trailing_zeros() -> None:
    assert domain.quantity_text(Decimal("1.500")) == "1.5"
    assert domain.quantity_text(Decimal("1E+2")) == "100"
    assert domain.quantity_text(Decimal("0.125")) == "0.125"


def test_items_take_the_products_name_unless_described() -> None:
    product = domain.Product(uuid.uuid4(), "HE-1", "Heating element")
    lines = [
        domain.ItemIn(product.id, None, Decimal(1), "pcs"),
        domain.ItemIn(product.id, "Left element", Decimal(2), "pcs"),
        domain.ItemIn(None, "Cable", Decimal("1.5"), "m"),
    ]
    settled = domain.settle_items(lines, {product.id: product})
    assert [(i.description, i.product_number) for i in settled] == [
        ("Heating element", "HE-1"),
        ("Left element", "HE-1"),
        ("Cable", None),
    ]


def test_an_unknown_product_or_an_undescribed_line_is_named() -> None:
    with pytest.raises(Unprocessable) as unknown:
        domain.settle_items(
            [
                domain.ItemIn(None, "ok", Decimal(1), "pcs"),
                domain.ItemIn(uuid.uuid4(), None, Decimal(1), "pcs"),
            ],
            {},
        )
    assert unknown.value.field == "items.1.product_id"
    with pytest.raises(Unprocessable) as bare:
        domain.settle_items([domain.ItemIn(None, None, Decimal(1), "pcs")], {})
    assert bare.value.field == "items.0.description"


def test_works_default_to_the_callers_technician_and_name_unknown_ones() -> None:
    mine, known = uuid.uuid4(), uuid.uuid4()
    settled = domain.settle_works(
        [domain.WorkIn("a", 10, None, None), domain.WorkIn("b", 0, known, None)],
        frozenset({known}),
        default_technician=mine,
    )
    assert [w.technician_id for w in settled] == [mine, known]
    with pytest.raises(Unprocessable) as refused:
        domain.settle_works([domain.WorkIn("a", 1, uuid.uuid4(), None)], frozenset(), None)
    assert refused.value.field == "works.0.technician_id"
    for minutes in (-1, 24 * 60 + 1):
        with pytest.raises(Unprocessable) as too_long:
            domain.settle_works([domain.WorkIn("a", minutes, None, None)], frozenset(), None)
        assert too_long.value.field == "works.0.minutes"
    assert domain.settle_works([domain.WorkIn("a", 24 * 60, None, None)], frozenset(), None)


def test_too_many_lines_are_refused() -> None:
    line = domain.ItemIn(None, "x", Decimal(1), "pcs")
    with pytest.raises(Unprocessable):
        domain.settle_items([line] * (domain.MAX_LINES + 1), {})


# --- state ---------------------------------------------------------------------------------


def test_a_completed_protocol_or_a_closed_case_is_read_only() -> None:
    domain.check_editable(ProtocolStatus.DRAFT, "in_progress")
    domain.check_editable(ProtocolStatus.DRAFT, "problem")
    with pytest.raises(Conflict):
        domain.check_editable(ProtocolStatus.COMPLETED, "in_progress")
    for closed in ("completed", "cancelled"):
        with pytest.raises(Conflict):
            domain.check_editable(ProtocolStatus.DRAFT, closed)


def test_completion_needs_a_work_line() -> None:
    domain.check_completable(1)
    with pytest.raises(Conflict) as refused:
        domain.check_completable(0)
    assert refused.value.field == "works"


def test_a_reported_problem_needs_a_description() -> None:
    domain.check_problem(False, None)
    domain.check_problem(True, "Missing part")
    for missing in (None, "", "   "):
        with pytest.raises(Unprocessable) as refused:
            domain.check_problem(True, missing)
        assert refused.value.field == "problem_description"


def test_the_protocol_goes_to_a_flagged_contact_with_an_e_mail() -> None:
    sven, anna, olle = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contacts: list[dict[str, Any]] = [
        {"contact_id": str(sven), "name": "Sven", "email": "s@x.se", "send_service_protocol": True},
        {"contact_id": str(anna), "name": "Anna", "email": "a@x.se"},
        {"contact_id": str(olle), "name": "Olle", "email": None, "send_service_protocol": True},
    ]
    assert domain.protocol_recipient(contacts, sven) == {"name": "Sven", "email": "s@x.se"}
    assert domain.protocol_recipient(contacts, anna) is None
    assert domain.protocol_recipient(contacts, olle) is None
    assert domain.protocol_recipient(contacts, uuid.uuid4()) is None
    assert domain.protocol_recipient(contacts, None) is None


# --- uploads -------------------------------------------------------------------------------

HEADS = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "image/heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
}


@pytest.mark.parametrize(("media", "head"), HEADS.items())
def test_each_accepted_type_is_told_by_its_first_bytes(media: str, head: bytes) -> None:
    assert domain.sniff(head) == media
    domain.check_content(media, head)


@pytest.mark.parametrize("brand", [b"heix", b"mif1", b"hevc"])
def test_heif_brands_phones_write_are_heic(brand: bytes) -> None:
    assert domain.sniff(b"\x00\x00\x00\x18ftyp" + brand + b"\x00" * 4) == "image/heic"


def test_a_png_sent_as_a_pdf_is_415_naming_what_it_is() -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        domain.check_content("application/pdf", HEADS["image/png"])
    assert refused.value.extensions["detected"] == "image/png"


@pytest.mark.parametrize(
    "head", [b"GIF89a" + b"\x00" * 10, b"<svg xmlns=", b"MZ\x90\x00", b"\x00\x00\x00\x18ftypmp42"]
)
def test_content_of_no_accepted_type_is_415(head: bytes) -> None:
    assert domain.sniff(head) is None
    with pytest.raises(UnsupportedMediaType):
        domain.check_content("image/jpeg", head)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(Unprocessable):
        domain.check_content("image/jpeg", b"")


@pytest.mark.parametrize(
    ("given", "media"),
    [
        ("image/jpeg", "image/jpeg"),
        ("IMAGE/PNG; name=x.png", "image/png"),
        ("image/jpg", "image/jpeg"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_declared_media_types_accepted(given: str, media: str) -> None:
    assert domain.declared_media_type(given) == media


@pytest.mark.parametrize("given", [None, "", "image/gif", "text/html", "application/octet-stream"])
def test_other_media_types_are_415_listing_the_accepted(given: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        domain.declared_media_type(given)
    assert refused.value.extensions["accepted"] == list(domain.ACCEPTED_MEDIA_TYPES)
    assert "image/heic" in refused.value.detail


def test_a_declared_size_over_the_limit_is_refused_before_reading() -> None:
    domain.check_declared_size(None, 10)
    domain.check_declared_size("10", 10)
    domain.check_declared_size("not a number", 10)
    with pytest.raises(PayloadTooLarge) as refused:
        domain.check_declared_size("11", 10)
    assert refused.value.extensions["max_bytes"] == 10


def test_room_for_attachments() -> None:
    domain.check_room(49, 50)
    with pytest.raises(Conflict):
        domain.check_room(50, 50)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="before.jpg"', "before.jpg"),
        ("attachment; filename=before.jpg", "before.jpg"),
        ('attachment; filename="a \\"quoted\\" name.png"', 'a "quoted" name.png'),
        ("attachment; filename*=UTF-8''f%C3%B6re%20bild.jpg", "före bild.jpg"),
        ("attachment; filename=\"fallback.jpg\"; filename*=UTF-8''r%C3%A4tt.jpg", "rätt.jpg"),
        ("inline", None),
        (None, None),
    ],
)
def test_file_names_from_content_disposition(header: str | None, name: str | None) -> None:
    assert domain.file_name_from_disposition(header) == name


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\bild.jpg", "bild.jpg"),
        (".htaccess", "htaccess"),
        ("a<b>c:d|e?.png", "a_b_c_d_e_.png"),
        ("line\nbreak\x00.jpg", "line_break_.jpg"),
        ("  spaced   out .pdf ", "spaced out .pdf"),
        ("", "photo_before.jpg"),
        (None, "photo_before.jpg"),
        ("...", "photo_before.jpg"),
        ("///", "photo_before.jpg"),
    ],
)
def test_file_names_are_made_safe(given: str | None, safe: str) -> None:
    assert domain.safe_file_name(given, AttachmentKind.PHOTO_BEFORE, "image/jpeg") == safe


def test_a_long_file_name_keeps_its_extension() -> None:
    name = domain.safe_file_name("x" * 400 + ".jpeg", AttachmentKind.PHOTO_AFTER, "image/jpeg")
    assert len(name) == domain.MAX_FILE_NAME
    assert name.endswith(".jpeg")


def test_the_download_header_is_ascii_with_the_real_name_encoded() -> None:
    header = domain.content_disposition('före "bild"; x.jpg')
    assert header.startswith('attachment; filename="f_re _bild__ x.jpg"; ')
    assert header.endswith("filename*=UTF-8''f%C3%B6re%20%22bild%22%3B%20x.jpg")
    header.encode("latin-1")  # a header value must be
