"""What goes to whom, free of I/O: the documents' contents (the protocol and the work order
as plain data a renderer lays out), their file names and fingerprints, the contacts a
document goes to, the internal e-mail lists, the short texts of the mails, and which sent
log entries are flagged because their document changed after sending.

A fingerprint is the SHA-256 of a document's content in a canonical form (never the
rendered bytes: fpdf2 stamps a creation date into every PDF, so two renders of the same
content differ). The sent log keeps the fingerprint of what was sent; an entry whose
document now has another one is flagged, so the user considers sending it again.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# --- the sent log's purposes ---------------------------------------------------------------

BOOKING_CONFIRMATION = "booking_confirmation"
SERVICE_PROTOCOL = "service_protocol"
WORK_ORDER = "work_order"
FREE_TEXT = "free_text"
PLANNER_OUTSIDE_HOURS = "planner_outside_hours"


class InternalMail(enum.StrEnum):
    """The internal e-mails an order may send (seed 004), each to its org unit's list."""

    ARTICLES_TO_ORDER = "articles_to_order"
    ORDERED_ARTICLES = "ordered_articles"
    DELIVERED_PARTS = "delivered_parts"

    @property
    def setting(self) -> str:
        """The document setting (and column) holding this mail's addresses."""
        return f"{self.value}_emails"

    @property
    def label(self) -> str:
        return _INTERNAL_TITLES[self]


_INTERNAL_TITLES = {
    InternalMail.ARTICLES_TO_ORDER: "Articles to order",
    InternalMail.ORDERED_ARTICLES: "Ordered articles",
    InternalMail.DELIVERED_PARTS: "Delivered parts",
}
PLANNER_SETTING = "planner_emails"
EMAIL_SETTINGS = (*(kind.setting for kind in InternalMail), PLANNER_SETTING)

# Documents whose content the sent log compares with what was sent. A free text or an
# internal e-mail is a message, not a document: it is what it was, never flagged.
DOCUMENT_PURPOSES = frozenset({BOOKING_CONFIRMATION, SERVICE_PROTOCOL, WORK_ORDER})


def flagged(purpose: str, sent_fingerprint: str, current: Mapping[str, str | None]) -> bool:
    """An entry is flagged when its document's fingerprint is no longer the one sent.
    ``current`` maps a purpose to its document's fingerprint now (None: the document is
    gone, e.g. the protocol was deleted or sent back and reopened, which flags too)."""
    if purpose not in DOCUMENT_PURPOSES or purpose not in current:
        return False
    return current[purpose] != sent_fingerprint


def fingerprint_of(text: str) -> str:
    """A message's own fingerprint (what a free text or internal e-mail said)."""
    return hashlib.sha256(text.encode()).hexdigest()


# --- contacts: who gets what ---------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A customer's contact person as catalog sends it, with the documents they receive."""

    contact_id: str
    name: str
    email: str | None
    mobile: str | None
    send_service_protocol: bool
    send_work_order: bool


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def contacts_of(raw: Iterable[Mapping[str, Any]]) -> list[Contact]:
    """Catalog's contact list (as projected) as contacts; an entry without an id is left
    out (nothing could name it)."""
    result = []
    for entry in raw:
        contact_id = _text(entry.get("contact_id"))
        if contact_id is None:
            continue
        result.append(
            Contact(
                contact_id=contact_id,
                name=_text(entry.get("name")) or "",
                email=_text(entry.get("email")),
                mobile=_text(entry.get("mobile")),
                send_service_protocol=entry.get("send_service_protocol") is True,
                send_work_order=entry.get("send_work_order") is True,
            )
        )
    return result


def contact_by_id(contacts: Iterable[Contact], contact_id: object) -> Contact | None:
    if contact_id is None:
        return None
    wanted = str(contact_id)
    return next((c for c in contacts if c.contact_id == wanted), None)


def protocol_recipient(contact: Contact | None) -> Contact | None:
    """The protocol goes automatically to the order's contact only when they said "send
    service protocol: yes" and have an e-mail address."""
    if contact is None or not contact.send_service_protocol or not contact.email:
        return None
    return contact


def _first_name(name: str) -> str:
    parts = name.split()
    return parts[0].casefold() if parts else ""


def work_order_offer(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts the work order is offered to at ready for invoicing: "send work order:
    yes" with an e-mail address, sorted by first name (seed 004's suggestions)."""
    chosen = [c for c in contacts if c.send_work_order and c.email]
    return sorted(chosen, key=lambda c: (_first_name(c.name), c.name.casefold(), c.contact_id))


def unique_addresses(addresses: Iterable[str]) -> list[str]:
    """Addresses in their order, each once (compared without case)."""
    seen: set[str] = set()
    result = []
    for address in addresses:
        key = address.strip().lower()
        if key and key not in seen:
            seen.add(key)
            result.append(address.strip())
    return result


# --- file names ----------------------------------------------------------------------------

# Characters no common file system (Windows, macOS, Linux) takes in a name, and controls.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
MAX_FILE_NAME = 120


def safe_file_name(name: str, *, extension: str = ".pdf", fallback: str = "document") -> str:
    """``name`` safe to save anywhere: no path separators or reserved characters (each run
    of them one ``_``), spaces as ``-``, no leading dots, not a reserved Windows device
    name, at most ``MAX_FILE_NAME`` characters with ``extension``."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", "-", text.strip()).lstrip(".").rstrip(".-")
    text = re.sub(r"_{2,}", "_", text)
    if not text.strip("_-"):
        text = fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return text[: MAX_FILE_NAME - len(extension)].rstrip(".-") + extension


def protocol_file_name(
    reference: str, machine_number: str | None, *, with_machine_number: bool
) -> str:
    """``protocol-<order or case number>.pdf``; with the org unit's setting on and a
    machine (serial) number known, ``protocol-SO-000123-SN-4711.pdf``."""
    name = f"protocol-{reference}"
    if with_machine_number and machine_number and machine_number.strip():
        name += f"-{machine_number.strip()}"
    return safe_file_name(name, fallback="protocol")


def work_order_file_name(number: str) -> str:
    return safe_file_name(f"work-order-{number}", fallback="work-order")


# --- the documents' contents ---------------------------------------------------------------


@dataclass(frozen=True)
class SerialLine:
    serial_number: str
    name: str
    product_name: str = ""


@dataclass(frozen=True)
class ItemLine:
    description: str
    quantity: Decimal
    unit: str
    product_number: str | None = None


@dataclass(frozen=True)
class WorkLine:
    description: str
    minutes: int
    technician_name: str | None = None
    work_date: date | None = None


@dataclass(frozen=True)
class AttachmentRef:
    """An attachment of the protocol: its bytes are in the attachment store under
    ``storage_key``; ``sha256`` stands for them in the fingerprint."""

    attachment_id: str
    kind: str  # photo_before, photo_after, signed_protocol
    file_name: str
    media_type: str
    sha256: str
    storage_key: str
    size_bytes: int = 0


# What the PDF draws as a picture; any other file is listed by name.
IMAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png"})
PHOTO_KINDS = ("photo_before", "photo_after")


@dataclass(frozen=True)
class ProtocolDoc:
    """Everything the protocol PDF shows (and nothing else: the fingerprint is of this)."""

    protocol_id: str
    status: str
    case_number: str
    case_name: str
    order_number: str | None
    customer_name: str
    customer_number: str | None
    customer_order_number: str | None
    location: str
    facility_name: str | None
    serial_items: tuple[SerialLine, ...]
    visit_dates: tuple[date, ...]
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    fault_description: str
    solution_description: str
    problem_reported: bool
    problem_description: str | None
    items: tuple[ItemLine, ...]
    works: tuple[WorkLine, ...]
    technicians: tuple[str, ...]
    attachments: tuple[AttachmentRef, ...]
    show_images: bool
    time_zone: str = "UTC"

    @property
    def reference(self) -> str:
        """The number the document is known by: the order's, else the case's."""
        return self.order_number or self.case_number

    @property
    def machine_number(self) -> str | None:
        return self.serial_items[0].serial_number if self.serial_items else None

    @property
    def total_minutes(self) -> int:
        return sum(w.minutes for w in self.works)

    def photos(self) -> list[AttachmentRef]:
        """The photos drawn in the PDF (show images on; JPEG or PNG), before then after."""
        if not self.show_images:
            return []
        return sorted(
            (a for a in self.attachments if a.kind in PHOTO_KINDS and drawable(a)),
            key=lambda a: PHOTO_KINDS.index(a.kind),
        )

    def listed_files(self) -> list[AttachmentRef]:
        """The attachments named in the PDF rather than drawn."""
        drawn = {a.attachment_id for a in self.photos()}
        return [a for a in self.attachments if a.attachment_id not in drawn]


def drawable(attachment: AttachmentRef) -> bool:
    return attachment.media_type.lower() in IMAGE_MEDIA_TYPES


@dataclass(frozen=True)
class BookingLine:
    local_date: date
    local_start: time
    local_end: time
    technician_name: str
    state: str = "standing"


@dataclass(frozen=True)
class WorkOrderDoc:
    """Everything the work order (order confirmation) PDF shows."""

    order_id: str
    number: str
    case_number: str
    case_name: str
    kind_name: str | None
    stage: str
    status: str | None
    priority: str
    trip_type: str
    distance_km: Decimal | None
    customer_name: str
    customer_number: str | None
    contact_name: str | None
    customer_order_number: str | None
    facility_name: str | None
    location: str
    serial_items: tuple[SerialLine, ...]
    description: str
    created_at: datetime
    completed_at: datetime | None
    bookings: tuple[BookingLine, ...]
    technicians: tuple[str, ...]
    # The completed protocol's lines, when there is one.
    protocol_items: tuple[ItemLine, ...] = ()
    protocol_works: tuple[WorkLine, ...] = ()
    protocol_completed_at: datetime | None = None
    time_zone: str = "UTC"
    # Never in the PDF's fingerprint: a rendering detail.
    extra: Mapping[str, str] = field(default_factory=dict, compare=False)


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare
        }
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def fingerprint(document: ProtocolDoc | WorkOrderDoc) -> str:
    """SHA-256 (hex) of the document's content in a canonical form: the same content
    gives the same fingerprint however often it is rendered; attachments count by their
    bytes' SHA-256, so a replaced photo changes it."""
    canonical = json.dumps(_canonical(document), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- how things are written ----------------------------------------------------------------


def duration(minutes: int) -> str:
    """``90`` -> ``1 h 30 min``; ``45`` -> ``45 min``; ``120`` -> ``2 h``."""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def quantity(value: Decimal) -> str:
    """A quantity without trailing zeros: ``2.500`` -> ``2.5``, ``3.000`` -> ``3``."""
    return format(value.normalize(), "f")


def local_stamp(moment: datetime | None, zone: str) -> str:
    """An instant in the org unit's zone, ``2026-11-30 09:15``; empty when unknown."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def serial_text(items: Sequence[SerialLine]) -> str:
    return ", ".join(" ".join(p for p in (s.serial_number, s.name) if p) for s in items)


# --- the mails' short texts ----------------------------------------------------------------

_PROTOCOL_MAIL = {
    "en": (
        "Service protocol {ref}",
        "Hello {name},\n\nplease find attached the service protocol of {ref}.\n\n{company}",
    ),
    "sv": (
        "Serviceprotokoll {ref}",
        "Hej {name},\n\nbifogat finns serviceprotokollet för {ref}.\n\n{company}",
    ),
}
_WORK_ORDER_MAIL = {
    "en": (
        "Work order {ref}",
        "Hello {name},\n\nplease find attached the work order {ref}.\n\n{company}",
    ),
    "sv": (
        "Arbetsorder {ref}",
        "Hej {name},\n\nbifogat finns arbetsordern {ref}.\n\n{company}",
    ),
}
_FREE_TEXT_SUBJECT = {"en": "About your order {ref}", "sv": "Angående er order {ref}"}
# What a recipient who is a user of the system gets in place of the PDF.
_LINK_TEXT = {"en": "Open {ref} in Aftersales", "sv": "Öppna {ref} i Aftersales"}


def _lang(language: str | None) -> str:
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    return primary if primary in _PROTOCOL_MAIL else "en"


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


def _mail(table: Mapping[str, tuple[str, str]], **values: str) -> MailText:
    subject, body = table[_lang(values.pop("language", None))]
    return MailText(subject.format(**values), body.format(**values))


def protocol_mail(ref: str, name: str, *, company: str, language: str | None) -> MailText:
    return _mail(_PROTOCOL_MAIL, ref=ref, name=name or "", company=company, language=language or "")


def work_order_mail(ref: str, name: str, *, company: str, language: str | None) -> MailText:
    return _mail(
        _WORK_ORDER_MAIL, ref=ref, name=name or "", company=company, language=language or ""
    )


def free_text_subject(ref: str, language: str | None) -> str:
    return _FREE_TEXT_SUBJECT[_lang(language)].format(ref=ref)


def link_text(ref: str, language: str | None) -> str:
    return _LINK_TEXT[_lang(language)].format(ref=ref)


def order_url(public_url: str, order_id: str) -> str:
    return f"{public_url.rstrip('/')}/service-orders/{order_id}"


def internal_mail(
    kind: InternalMail,
    *,
    number: str,
    customer_name: str,
    location: str,
    text: str,
    sender: str | None,
    url: str,
) -> MailText:
    """An internal e-mail: the kind and order in the subject, the writer's text, then
    what the reader needs to find the order."""
    subject = f"{kind.label}: {number}" + (f" ({customer_name})" if customer_name else "")
    lines = [text.strip(), "", f"Order: {number}"]
    if customer_name:
        lines.append(f"Customer: {customer_name}")
    if location:
        lines.append(f"Location: {location}")
    if sender:
        lines.append(f"Sent by: {sender}")
    lines.append(url)
    return MailText(subject, "\n".join(lines))


@dataclass(frozen=True)
class OutsideHours:
    """A standing booking a planner made outside the technician's working hours."""

    booking_id: str
    technician_name: str
    local_date: date
    local_start: time
    local_end: time
    reason: str | None
    booked_by: str | None


def needs_planner_note(overrides: Sequence[str], state: str) -> bool:
    """A standing booking whose planner overrode the working hours."""
    return state == "standing" and "working_hours" in overrides


def planner_mail(booking: OutsideHours, *, number: str, customer_name: str, url: str) -> MailText:
    interval = f"{booking.local_start:%H:%M}-{booking.local_end:%H:%M}"
    subject = f"Booking outside working hours: {number} {booking.local_date.isoformat()}"
    lines = [
        f"{booking.technician_name} is booked on {booking.local_date.isoformat()} {interval},"
        " outside their working hours.",
        "",
        f"Order: {number}" + (f" ({customer_name})" if customer_name else ""),
    ]
    if booking.booked_by:
        lines.append(f"Booked by: {booking.booked_by}")
    if booking.reason:
        lines.append(f"Reason: {booking.reason}")
    lines.append(url)
    return MailText(subject, "\n".join(lines))
