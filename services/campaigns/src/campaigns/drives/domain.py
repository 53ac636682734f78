"""Pure rules of campaigns: codes and translations, states and what each allows to change,
the reasons a serial line fails validation, and the serial number list read out of a CSV
file arriving in pieces.

No I/O here (import-linter keeps sqlalchemy and fastapi out); ``handlers``,
``validation``, ``upload`` and ``release`` apply these rules to what they read and write.
"""

from __future__ import annotations

import csv
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

# --- codes, names, translations ------------------------------------------------------------

CODE_PATTERN = r"^[A-Za-z0-9_-]{1,50}$"
# A language, optionally with its region: "sv", "sv-SE", "en-GB" (BCP 47's common part).
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
NAME_MAX_LENGTH = 200
SERIAL_MAX_LENGTH = 100  # campaign_serial.serial_number / product_number


def bad_translation(translations: Mapping[str, str]) -> tuple[str, str] | None:
    """The first (locale, why) a campaign's translations may not hold: a key that is not a
    locale, or a blank or over-long name."""
    for locale, name in translations.items():
        if not LOCALE.fullmatch(locale):
            return locale, f"{locale!r} is not a locale such as 'sv' or 'sv-SE'"
        if not name.strip():
            return locale, "a translated name may not be blank"
        if len(name.strip()) > NAME_MAX_LENGTH:
            return locale, f"a translated name has at most {NAME_MAX_LENGTH} characters"
    return None


# --- states --------------------------------------------------------------------------------


class CampaignState(enum.StrEnum):
    """draft -> released -> closed; never back."""

    DRAFT = "draft"
    RELEASED = "released"
    CLOSED = "closed"


# What a released campaign may still change: the texts shown and copied onto cases opened
# from then on. Which cases exist and for whom (template, parent, whose customer) is
# settled at release: changing them would leave the cases already opened inconsistent.
EDITABLE_AFTER_RELEASE = frozenset(
    {"name", "translations", "our_reference", "cause_code", "cause_description"}
)
FIXED_AT_RELEASE = frozenset({"template_id", "parent_case_id", "use_customer_from_order"})


def frozen_fields(state: CampaignState, changing: Iterable[str]) -> list[str]:
    """The fields of ``changing`` a campaign in ``state`` may not change (sorted); every
    field of a closed campaign."""
    if state is CampaignState.DRAFT:
        return []
    if state is CampaignState.CLOSED:
        return sorted(set(changing))
    return sorted(set(changing) - EDITABLE_AFTER_RELEASE)


# --- validation ----------------------------------------------------------------------------


class LineProblem(enum.StrEnum):
    """Why a serial line cannot get a case; each keeps the campaign from being released."""

    # No serial item with that number (on that product, when the line names one).
    NOT_FOUND = "not_found"
    # The number exists on several products and the line names none.
    AMBIGUOUS = "ambiguous"
    # The item is not active (inactive or scrapped): it will not come in for service.
    INACTIVE = "inactive"
    # The customer the campaign's setting asks for is not on the item.
    NO_OWNER = "no_owner"
    NO_INITIAL_ORDER_CUSTOMER = "no_initial_order_customer"
    # The item names a customer catalog has not sent us yet (the projection lags).
    CUSTOMER_UNKNOWN = "customer_unknown"
    # Another line of the campaign already names the same item (one case per item).
    DUPLICATE_ITEM = "duplicate_item"


def missing_customer_problem(use_customer_from_order: bool) -> LineProblem:
    return (
        LineProblem.NO_INITIAL_ORDER_CUSTOMER if use_customer_from_order else LineProblem.NO_OWNER
    )


# --- serial numbers as entered -------------------------------------------------------------


@dataclass(frozen=True)
class SerialLine:
    """One serial number of a campaign, with the product it is on ("" when not given)."""

    serial_number: str
    product_number: str = ""


class LineError(ValueError):
    """A line of a serial number list that cannot be read; names the line (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def serial_line(serial_number: str, product_number: str | None = None) -> SerialLine:
    """A line from its two cells, trimmed; ValueError saying what is wrong."""
    serial = serial_number.strip()
    product = (product_number or "").strip()
    if not serial:
        raise ValueError("the serial number is empty")
    if len(serial) > SERIAL_MAX_LENGTH:
        raise ValueError(f"a serial number has at most {SERIAL_MAX_LENGTH} characters")
    if len(product) > SERIAL_MAX_LENGTH:
        raise ValueError(f"a product number has at most {SERIAL_MAX_LENGTH} characters")
    for text in (serial, product):
        if _CONTROL.search(text):
            raise ValueError("a control character in the line")
    return SerialLine(serial, product)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Header cells naming the serial number / product number column (compared lower-cased,
# with spaces, dots, hyphens and underscores removed): a first line made of these is a
# header, not a serial number.
SERIAL_HEADERS = frozenset({"serialnumber", "serialno", "serial", "sn", "serienummer"})
PRODUCT_HEADERS = frozenset({"productnumber", "productno", "product", "pn", "artikelnummer"})


def _header_name(cell: str) -> str:
    return re.sub(r"[\s._-]", "", cell.strip().lower())


class SerialCsvParser:
    """Serial numbers out of CSV text fed in pieces: one per line, an optional second
    column with the product number, an optional header row (``serial_number,
    product_number`` in either order), blank lines skipped, a UTF-8 byte-order mark
    ignored, fields may be quoted. The delimiter is a comma, or a semicolon when the first
    line has semicolons and no comma (what a spreadsheet in a Swedish locale writes).

    Holds at most one unfinished line, so memory stays flat however big the file is."""

    def __init__(self) -> None:
        self._tail = ""
        self._line = 0
        self._pending: list[str] = []
        self._pending_start = 0
        self._delimiter: str | None = None
        self._columns: tuple[int, int | None] = (0, 1)
        self._first = True

    @property
    def lines_read(self) -> int:
        return self._line

    def feed(self, text: str) -> Iterator[SerialLine]:
        """The lines the text completes; a partial last line waits for more text."""
        lines = (self._tail + text).split("\n")
        self._tail = lines.pop()
        for line in lines:
            yield from self._physical_line(line)

    def finish(self) -> Iterator[SerialLine]:
        """The lines left when the file ends."""
        if self._tail:
            tail, self._tail = self._tail, ""
            yield from self._physical_line(tail)
        if self._pending:
            raise LineError(self._pending_start, "the file ends inside a quoted field")

    def _physical_line(self, line: str) -> Iterator[SerialLine]:
        self._line += 1
        line = line.removesuffix("\r")
        if self._line == 1:
            line = line.removeprefix("\ufeff")  # a byte-order mark from a spreadsheet
        if not self._pending:
            self._pending_start = self._line
        self._pending.append(line)
        logical = "\n".join(self._pending)
        if logical.count('"') % 2:
            return  # inside a quoted field: the record goes on on the next line
        self._pending = []
        if not logical.strip():
            return
        if self._delimiter is None:
            self._delimiter = ";" if ";" in logical and "," not in logical else ","
        try:
            cells = next(csv.reader([logical], delimiter=self._delimiter, strict=True))
        except csv.Error as error:
            raise LineError(self._pending_start, f"not valid CSV: {error}") from error
        if self._first:
            self._first = False
            if self._header(cells):
                return
        serial_at, product_at = self._columns
        extra = [c for i, c in enumerate(cells) if i not in (serial_at, product_at) and c.strip()]
        if extra:
            raise LineError(
                self._pending_start,
                "a line has a serial number and at most a product number after it",
            )
        serial = cells[serial_at] if serial_at < len(cells) else ""
        product = cells[product_at] if product_at is not None and product_at < len(cells) else ""
        try:
            yield serial_line(serial, product)
        except ValueError as error:
            raise LineError(self._pending_start, str(error)) from error

    def _header(self, cells: list[str]) -> bool:
        """Whether the first record is a header; if so, which columns hold what."""
        names = [_header_name(c) for c in cells]
        serial_at = next((i for i, n in enumerate(names) if n in SERIAL_HEADERS), None)
        if serial_at is None:
            return False
        product_at = next((i for i, n in enumerate(names) if n in PRODUCT_HEADERS), None)
        self._columns = (serial_at, product_at)
        return True
