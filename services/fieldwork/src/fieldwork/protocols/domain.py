"""The service protocol's rules (seed 002), pure: what a consumed item and a work line may
hold, when a protocol may change or be completed, and what an uploaded attachment must
be — its media type told by its first bytes, its size, its file name made safe.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from aftersales_kit.problems import (
    Conflict,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
)


class ProtocolStatus(enum.StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"


class AttachmentKind(enum.StrEnum):
    PHOTO_BEFORE = "photo_before"
    PHOTO_AFTER = "photo_after"
    SIGNED_PROTOCOL = "signed_protocol"


PHOTO_KINDS = frozenset({AttachmentKind.PHOTO_BEFORE, AttachmentKind.PHOTO_AFTER})

# --- lines ---------------------------------------------------------------------------------

# protocol_item.quantity is numeric(12, 3): three decimals, nine digits before the point.
QUANTITY_DECIMALS = 3
QUANTITY_MAX = Decimal("999999999.999")
MAX_WORK_MINUTES = 24 * 60
MAX_LINES = 200


def check_quantity(value: Decimal) -> Decimal:
    """A consumed quantity: more than zero, at most three decimals (a fourth would be
    rounded away by the column, silently changing what the technician wrote)."""
    if not value.is_finite():
        raise ValueError("the quantity must be a number")
    if value <= 0:
        raise ValueError("the quantity must be greater than 0")
    if value > QUANTITY_MAX:
        raise ValueError(f"the quantity must be at most {QUANTITY_MAX}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_DECIMALS:
        raise ValueError(f"the quantity may have at most {QUANTITY_DECIMALS} decimals")
    return value


def quantity_text(value: Decimal) -> str:
    """As events write it: no exponent, no trailing zeros ("2", "1.5", "0.125")."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Product:
    id: uuid.UUID
    product_number: str
    name: str


@dataclass(frozen=True)
class ItemIn:
    product_id: uuid.UUID | None
    description: str | None
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Item:
    """A consumed item as stored: a product's number and (by default) name, or free text."""

    product_id: uuid.UUID | None
    product_number: str | None
    description: str
    quantity: Decimal
    unit: str


def settle_items(lines: Sequence[ItemIn], products: Mapping[uuid.UUID, Product]) -> list[Item]:
    """The protocol's new item list. A product must be one field work knows (catalog's
    products reach it as events); its name is the description unless one is given. A
    line without a product needs a description."""
    if len(lines) > MAX_LINES:
        raise Unprocessable(f"a protocol holds at most {MAX_LINES} items", field="items")
    settled = []
    for index, line in enumerate(lines):
        product = None
        if line.product_id is not None:
            product = products.get(line.product_id)
            if product is None:
                raise Unprocessable(
                    f"no product with id {line.product_id}",
                    field=f"items.{index}.product_id",
                )
        description = line.description or (product.name if product else None)
        if not description:
            raise Unprocessable(
                "an item names a product or has a description",
                field=f"items.{index}.description",
            )
        settled.append(
            Item(
                product_id=product.id if product else None,
                product_number=product.product_number if product else None,
                description=description,
                quantity=line.quantity,
                unit=line.unit,
            )
        )
    return settled


@dataclass(frozen=True)
class WorkIn:
    description: str
    minutes: int
    technician_id: uuid.UUID | None
    work_date: dt.date | None


def settle_works(
    lines: Sequence[WorkIn],
    known_technicians: frozenset[uuid.UUID],
    default_technician: uuid.UUID | None,
) -> list[WorkIn]:
    """The protocol's new work list: each technician one field work knows; a line without
    one is the caller's own when the caller is a technician (the phone fills its own)."""
    if len(lines) > MAX_LINES:
        raise Unprocessable(f"a protocol holds at most {MAX_LINES} work lines", field="works")
    settled = []
    for index, line in enumerate(lines):
        if not 0 <= line.minutes <= MAX_WORK_MINUTES:
            raise Unprocessable(
                f"minutes must be between 0 and {MAX_WORK_MINUTES}",
                field=f"works.{index}.minutes",
            )
        technician_id = line.technician_id or default_technician
        if line.technician_id is not None and line.technician_id not in known_technicians:
            raise Unprocessable(
                f"no technician with id {line.technician_id}",
                field=f"works.{index}.technician_id",
            )
        settled.append(WorkIn(line.description, line.minutes, technician_id, line.work_date))
    return settled


# --- the protocol's state --------------------------------------------------------------


class ProtocolReadOnly(Conflict):
    pass


class ProtocolIncomplete(Conflict):
    pass


def check_editable(status: ProtocolStatus, case_status: str) -> None:
    """A completed protocol is read-only until the dispatcher sends the case back (which
    makes it a draft again); a closed or cancelled case's protocols are read-only too."""
    if status is ProtocolStatus.COMPLETED:
        raise ProtocolReadOnly(
            "the protocol is completed: it is read-only until the case is sent back",
            protocol_status=status.value,
        )
    if case_status in ("completed", "cancelled"):
        raise ProtocolReadOnly(
            f"the service case is {case_status}: its protocols are read-only",
            case_status=case_status,
        )


def check_problem(problem_reported: bool, problem_description: str | None) -> None:
    """A reported problem says what it is: the case goes to Problem with that reason."""
    if problem_reported and not (problem_description or "").strip():
        raise Unprocessable(
            "problem_description is required when problem_reported is true",
            field="problem_description",
        )


def check_completable(work_lines: int) -> None:
    """Completed needs at least one work line (seed 002: work is what is billed)."""
    if work_lines < 1:
        raise ProtocolIncomplete(
            "a protocol needs at least one work line to be completed", field="works"
        )


# --- who the completed protocol goes to ------------------------------------------------


def protocol_recipient(
    contacts: Sequence[Mapping[str, Any]], contact_id: uuid.UUID | None
) -> dict[str, str] | None:
    """The order's (else the case's) contact, when catalog says they get service protocols
    ("send service protocol: yes") and they have an e-mail address: the documents
    package sends the PDF to them on ``fieldwork.protocol.completed`` (seed 004)."""
    if contact_id is None:
        return None
    for contact in contacts:
        if str(contact.get("contact_id")) != str(contact_id):
            continue
        email = contact.get("email")
        if contact.get("send_service_protocol") and email:
            return {"name": str(contact.get("name") or ""), "email": str(email)}
        return None
    return None


# --- attachments -------------------------------------------------------------------------

ACCEPTED_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}
# Enough of the file's start to tell every accepted type apart (HEIC's brand sits at 8-12).
SNIFF_BYTES = 16
# ISO BMFF brands of HEIF images as phones write them (HEIC proper and its HEIF variants).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
MAX_FILE_NAME = 255


def sniff(head: bytes) -> str | None:
    """The accepted media type the bytes start with (their magic number), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _accepted() -> str:
    return ", ".join(ACCEPTED_MEDIA_TYPES)


def declared_media_type(content_type: str | None) -> str:
    """The Content-Type's media type when it is one we accept; 415 listing them
    otherwise (parameters such as ``; name=…`` are ignored)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "image/jpg":  # a common misspelling of image/jpeg; the bytes decide anyway
        media = "image/jpeg"
    if media not in ACCEPTED_MEDIA_TYPES:
        shown = f"{media!r} is" if media else "no Content-Type is"
        raise UnsupportedMediaType(
            f"{shown} not accepted; send one of {_accepted()}",
            field="Content-Type",
            accepted=list(ACCEPTED_MEDIA_TYPES),
        )
    return media


class EmptyFile(Unprocessable):
    pass


def check_content(declared: str, head: bytes) -> None:
    """The first bytes must be what the Content-Type says: a PNG sent as a PDF, or a file
    of no accepted type, is 415 (the type is what the PDF renderer and the phone trust)."""
    if not head:
        raise EmptyFile("the file is empty", field="body")
    found = sniff(head)
    if found is None:
        raise UnsupportedMediaType(
            f"the file's content is none of {_accepted()}",
            field="body",
            accepted=list(ACCEPTED_MEDIA_TYPES),
        )
    if found != declared:
        raise UnsupportedMediaType(
            f"the file's content is {found}, not {declared} as its Content-Type says",
            field="Content-Type",
            accepted=list(ACCEPTED_MEDIA_TYPES),
            detected=found,
        )


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than the limit of {max_bytes} bytes",
        field="body",
        max_bytes=max_bytes,
    )


def check_declared_size(content_length: str | None, max_bytes: int) -> None:
    """Refuse before reading a byte when the client says the body is too large (the
    stream is still counted: a client may say nothing, or lie)."""
    declared = (content_length or "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)


def check_room(attachments: int, max_attachments: int) -> None:
    if attachments >= max_attachments:
        raise Conflict(
            f"a protocol holds at most {max_attachments} attachments",
            field="attachments",
            max_attachments=max_attachments,
        )


_DISPOSITION_NAME_STAR = re.compile(r"filename\*\s*=\s*([^;]+)", re.IGNORECASE)
_DISPOSITION_NAME = re.compile(r'filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)', re.IGNORECASE)


def file_name_from_disposition(header: str | None) -> str | None:
    """The file name a ``Content-Disposition: attachment; filename=…`` header gives
    (RFC 6266: ``filename*=UTF-8''…`` preferred over ``filename``)."""
    if not header:
        return None
    star = _DISPOSITION_NAME_STAR.search(header)
    if star:
        value = star.group(1).strip()
        charset, _, rest = value.partition("'")
        _, _, encoded = rest.partition("'")
        if encoded:
            try:
                return unquote(encoded, encoding=charset or "utf-8", errors="strict")
            except (LookupError, UnicodeDecodeError):
                pass
    plain = _DISPOSITION_NAME.search(header)
    if plain:
        value = plain.group(1).strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        return value
    return None


# Characters no file system or shell should meet in a name a user later downloads.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*]')


def safe_file_name(given: str | None, kind: AttachmentKind, media_type: str) -> str:
    """The name kept and given back: its last path segment only, no control or reserved
    characters, no leading dots, at most 255 characters with its extension kept; when
    nothing usable is left, ``<kind>.<extension>``."""
    name = unicodedata.normalize("NFC", given or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if not name.strip("_ "):
        return f"{kind.value}.{EXTENSIONS[media_type]}"
    if len(name) > MAX_FILE_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILE_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILE_NAME]
    return name


def content_disposition(file_name: str) -> str:
    """A download's header: an ASCII fallback name (anything else replaced) and the real
    name percent-encoded (RFC 6266 / 5987), always ``attachment`` so a browser never
    renders an upload inline."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"
