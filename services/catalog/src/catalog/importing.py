"""Bulk import files, free of I/O: records out of CSV or JSON Lines text, and the rows they hold.

A file arrives in pieces (an upload, a file read in chunks), so the parser is fed text and
hands back whole records with the line each one starts on. Nothing here keeps more than
one unfinished record, so memory stays flat however large the file is.

Upsert by natural key: a customer by its customer number; a serial item by its product
number and serial number. A row sets the fields it names and leaves the others as they
are: a CSV file's missing columns and empty cells, and a JSON line's missing keys, change
nothing (a new record gets the defaults). In JSON Lines an explicit ``null`` clears a field.
"""

from __future__ import annotations

import csv
import enum
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aftersales_contracts.catalog import SerialItemStatus
from aftersales_kit.input_guard import json_refusal, text_refusal
from catalog.schemas import CustomerFields, CustomerIn, SerialItemFields

ModelT = TypeVar("ModelT", bound=BaseModel)


class ImportKind(enum.StrEnum):
    CUSTOMERS = "customers"
    SERIAL_ITEMS = "serial_items"


class FileFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


MEDIA_TYPES = {
    "text/csv": FileFormat.CSV,
    "application/csv": FileFormat.CSV,
    "application/x-ndjson": FileFormat.JSONL,
    "application/jsonl": FileFormat.JSONL,
    "application/x-jsonlines": FileFormat.JSONL,
}


class UnsupportedFormat(ValueError):
    pass


def format_for(media_type: str | None, file_name: str | None = None) -> FileFormat:
    """The format a Content-Type (parameters ignored) or, failing that, a file name names."""
    if media_type:
        found = MEDIA_TYPES.get(media_type.split(";", 1)[0].strip().lower())
        if found is not None:
            return found
    if file_name:
        suffix = file_name.rsplit(".", 1)[-1].lower()
        if suffix == "csv":
            return FileFormat.CSV
        if suffix in ("jsonl", "ndjson"):
            return FileFormat.JSONL
    raise UnsupportedFormat(
        f"cannot tell the file's format from {media_type or file_name!r}; send text/csv"
        " or application/x-ndjson (JSON Lines)"
    )


class FileError(ValueError):
    """The file as a whole cannot be imported (a bad header, not UTF-8): no row is read."""


@dataclass(frozen=True)
class Record:
    """One record of the file: its fields, or why it could not even be read."""

    line: int
    fields: dict[str, Any] | None = None
    error: str | None = None
    field: str | None = None
    # CSV text (header and record) without a control character: every field is text that
    # the input guard's rule accepts already, so no field needs walking (``check_row``).
    plain_text: bool = False


# --- columns ---------------------------------------------------------------------------

LIST_SEPARATOR = re.compile(r"\s*[;,]\s*")

CUSTOMER_COLUMNS = frozenset(
    {
        "customer_number",
        "name",
        "kind",
        "emails",
        "mobiles",
        "allowed_methods",
        "preferred_method",
        "language",
        "time_zone",
        "org_unit_code",
    }
)
CUSTOMER_LIST_COLUMNS = frozenset({"emails", "mobiles", "allowed_methods"})

SERIAL_ITEM_COLUMNS = frozenset(
    {
        "product_number",
        "serial_number",
        "name",
        "owner_customer_number",
        "initial_order_customer_number",
        "org_unit_code",
        "startup_date",
        "delivery_date",
        "status",
        "pinned_service_type_id",
        "action_code",
    }
)
ADDRESS_COLUMNS = ("street", "postal_code", "city", "country", "latitude", "longitude")
# CSV is flat: an item's translated names and free attributes are prefixed columns.
TRANSLATION_PREFIX = "name."
ATTRIBUTE_PREFIX = "attr."

REQUIRED_COLUMNS = {
    ImportKind.CUSTOMERS: ("customer_number",),
    ImportKind.SERIAL_ITEMS: ("product_number", "serial_number"),
}


def check_columns(kind: ImportKind, columns: list[str]) -> None:
    """A CSV header's columns must all be known, none twice, the natural key present."""
    known = CUSTOMER_COLUMNS if kind is ImportKind.CUSTOMERS else SERIAL_ITEM_COLUMNS
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise FileError(f"column {column!r} appears twice in the header")
        seen.add(column)
        prefixed = kind is ImportKind.SERIAL_ITEMS and (
            column in ADDRESS_COLUMNS
            or any(
                column.startswith(prefix) and len(column) > len(prefix)
                for prefix in (TRANSLATION_PREFIX, ATTRIBUTE_PREFIX)
            )
        )
        if column not in known and not prefixed:
            raise FileError(f"unknown column {column!r}; known columns: {', '.join(sorted(known))}")
    for column in REQUIRED_COLUMNS[kind]:
        if column not in seen:
            raise FileError(f"the header has no {column!r} column")


def csv_fields(kind: ImportKind, row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the nested fields a JSON line would hold; empty cells are left out."""
    fields: dict[str, Any] = {}
    address: dict[str, str] = {}
    for column, raw in row.items():
        value = raw.strip()
        if not value:
            continue
        if kind is ImportKind.CUSTOMERS and column in CUSTOMER_LIST_COLUMNS:
            fields[column] = [v for v in LIST_SEPARATOR.split(value) if v]
        elif kind is ImportKind.SERIAL_ITEMS and column in ADDRESS_COLUMNS:
            address[column] = value
        elif column.startswith(TRANSLATION_PREFIX) and kind is ImportKind.SERIAL_ITEMS:
            fields.setdefault("translations", {})[column[len(TRANSLATION_PREFIX) :]] = value
        elif column.startswith(ATTRIBUTE_PREFIX) and kind is ImportKind.SERIAL_ITEMS:
            fields.setdefault("attributes", {})[column[len(ATTRIBUTE_PREFIX) :]] = value
        else:
            fields[column] = value
    if address:
        fields["installation_address"] = address
    return fields


# --- the parser ------------------------------------------------------------------------


class RecordParser:
    """Turns pieces of a file's text into records, one physical line at a time.

    CSV records may span lines inside quotes; a record is complete when its quotes
    balance (RFC 4180 escapes a quote by doubling it, so the count stays even).
    """

    def __init__(self, kind: ImportKind, file_format: FileFormat) -> None:
        self.kind = kind
        self.format = file_format
        self._tail = ""
        self._line = 0  # the last physical line handed out
        self._pending: list[str] = []
        self._pending_start = 0
        self._header: list[str] | None = None
        self._header_plain = False

    def feed(self, text: str) -> Iterator[Record]:
        """The records the text completes; a partial last line waits for more text."""
        text = self._tail + text
        lines = text.split("\n")
        self._tail = lines.pop()
        for line in lines:
            yield from self._physical_line(line)

    def finish(self) -> Iterator[Record]:
        """The records left when the file ends."""
        if self._tail:
            tail, self._tail = self._tail, ""
            yield from self._physical_line(tail)
        if self._pending:
            start, self._pending = self._pending_start, []
            yield Record(start, error="the file ends inside a quoted field")
        if self.format is FileFormat.CSV and self._header is None:
            raise FileError("the file is empty: a CSV import needs a header line")

    @property
    def lines_read(self) -> int:
        return self._line

    def _physical_line(self, line: str) -> Iterator[Record]:
        self._line += 1
        line = line.removesuffix("\r")
        if self.format is FileFormat.JSONL:
            if line.strip():
                yield _json_record(self._line, line)
            return
        if not self._pending:
            self._pending_start = self._line
        self._pending.append(line)
        logical = "\n".join(self._pending)
        if logical.count('"') % 2:
            return  # inside a quoted field: the record goes on on the next line
        self._pending = []
        if not logical.strip():
            return
        try:
            cells = next(csv.reader([logical], strict=True))
        except csv.Error as error:
            yield Record(self._pending_start, error=f"not valid CSV: {error}")
            return
        if self._header is None:
            header = [c.strip() for c in cells]
            if header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]  # a byte-order mark from a spreadsheet
            check_columns(self.kind, header)
            self._header = header
            self._header_plain = text_refusal(logical, "header") is None
            return
        if len(cells) != len(self._header):
            yield Record(
                self._pending_start,
                error=f"{len(cells)} cells where the header has {len(self._header)} columns",
            )
            return
        yield Record(
            self._pending_start,
            fields=csv_fields(self.kind, dict(zip(self._header, cells, strict=True))),
            plain_text=self._header_plain and text_refusal(logical, "record") is None,
        )


def _json_record(line_number: int, line: str) -> Record:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return Record(line_number, error=f"not valid JSON: {error.msg} at column {error.colno}")
    if not isinstance(value, dict):
        return Record(line_number, error="each line must be a JSON object")
    return Record(line_number, fields=value)


# --- rows ------------------------------------------------------------------------------


class RowError(ValueError):
    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerRow(_Row):
    """The natural key and the fields a customer row may name; checked in full once merged."""

    customer_number: str = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")
    name: Any = None
    kind: Any = None
    emails: Any = None
    mobiles: Any = None
    allowed_methods: Any = None
    preferred_method: Any = None
    language: Any = None
    time_zone: Any = None
    # The home org unit by its code (an empty CSV cell: unchanged; JSON null: none).
    org_unit_code: str | None = Field(default=None, max_length=50)


class SerialItemRow(_Row):
    """A serial item row: references by natural key (numbers and codes), not by id."""

    product_number: str = Field(min_length=1, max_length=100)
    serial_number: str = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")
    owner_customer_number: str | None = Field(default=None, min_length=1, max_length=100)
    initial_order_customer_number: str | None = Field(default=None, max_length=100)
    org_unit_code: str | None = Field(default=None, max_length=50)
    name: Any = None
    translations: Any = None
    startup_date: date | None = None
    delivery_date: date | None = None
    installation_address: Any = None
    status: SerialItemStatus | None = None
    pinned_service_type_id: Any = None
    attributes: Any = None
    action_code: Any = None

    def given(self) -> dict[str, Any]:
        """The fields this row names, references left out."""
        return self.model_dump(
            include=self.model_fields_set
            - SERIAL_ITEM_REFERENCES
            - {"product_number", "serial_number"}
        )


SERIAL_ITEM_REFERENCES = frozenset(
    {"owner_customer_number", "initial_order_customer_number", "org_unit_code"}
)


def first_error(error: ValidationError) -> RowError:
    """The first problem of a validation error, naming its field as a path (``emails.0``)."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    message = first["msg"]
    return RowError(f"{field}: {message}" if field else message, field)


def check(model: type[ModelT], fields: dict[str, Any]) -> ModelT:
    """A record checked like the API checks it; the first problem names its field."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise first_error(error) from error


def check_row(model: type[ModelT], fields: dict[str, Any], *, plain_text: bool = False) -> ModelT:
    """A record of the file checked as the API checks a request: first what no column can
    hold (a NUL or another control character in a cell or key, a number outside 32 bits:
    the kit's input guard's rule, which the API applies at its edge), then the model.
    ``plain_text``: the record's whole text was found free of control characters (one
    search of the line instead of a walk of every field: a tenth of an import's CPU)."""
    refused = None if plain_text else json_refusal(fields)
    if refused is not None:
        raise RowError(refused.detail, refused.field)
    return check(model, fields)


def customer_fields(
    row: CustomerRow, current: dict[str, Any] | None, references: dict[str, Any] | None = None
) -> CustomerIn | CustomerFields:
    """A new customer from the row, or the current one with the row's fields laid over it
    (``references``: the row's org unit code already resolved to ``org_unit_id``)."""
    given = row.model_dump(include=row.model_fields_set - {"customer_number", "org_unit_code"})
    given |= references or {}
    if current is None:
        return check(CustomerIn, given | {"customer_number": row.customer_number})
    return check(CustomerFields, {k: current[k] for k in CustomerFields.model_fields} | given)


def serial_item_fields(
    row: SerialItemRow,
    current: dict[str, Any] | None,
    references: dict[str, Any],
    product_name: str,
) -> SerialItemFields:
    """An item's fields from the row (references already resolved to ids) over the current
    ones; a new item is named after its product unless the row names it."""
    base = (
        {k: current[k] for k in SerialItemFields.model_fields}
        if current is not None
        else {"name": product_name}
    )
    return check(SerialItemFields, base | row.given() | references)
