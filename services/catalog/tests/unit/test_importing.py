"""The import file parser and row checks, without I/O."""

from __future__ import annotations

import pytest

from catalog.importing import (
    CustomerRow,
    FileError,
    FileFormat,
    ImportKind,
    Record,
    RecordParser,
    RowError,
    SerialItemRow,
    UnsupportedFormat,
    check,
    check_row,
    customer_fields,
    format_for,
    serial_item_fields,
)


def parse(kind: ImportKind, fmt: FileFormat, *pieces: str) -> list[Record]:
    parser = RecordParser(kind, fmt)
    records = [r for piece in pieces for r in parser.feed(piece)]
    return records + list(parser.finish())


def test_format_from_content_type_then_file_name() -> None:
    assert format_for("text/csv; charset=utf-8") is FileFormat.CSV
    assert format_for("application/x-ndjson") is FileFormat.JSONL
    assert format_for("application/octet-stream", "items.JSONL") is FileFormat.JSONL
    assert format_for(None, "x.csv") is FileFormat.CSV
    with pytest.raises(UnsupportedFormat):
        format_for("application/pdf", "x.pdf")


def test_csv_records_carry_the_line_they_start_on() -> None:
    text = (
        "customer_number,name,emails\r\n"
        "C1,Ada,ada@example.com; ada2@example.com\r\n"
        '"C2","Multi\nline name",\r\n'
        "\r\n"
        "C3,Bob,\r\n"
    )
    records = parse(ImportKind.CUSTOMERS, FileFormat.CSV, text)
    assert [r.line for r in records] == [2, 3, 6]
    assert records[0].fields == {
        "customer_number": "C1",
        "name": "Ada",
        "emails": ["ada@example.com", "ada2@example.com"],
    }
    assert records[1].fields == {"customer_number": "C2", "name": "Multi\nline name"}
    assert records[2].fields == {"customer_number": "C3", "name": "Bob"}  # empty cells left out


def test_csv_split_anywhere_gives_the_same_records() -> None:
    text = 'customer_number,name\nC1,"A ""quoted"" name"\nC2,Two\n'
    whole = parse(ImportKind.CUSTOMERS, FileFormat.CSV, text)
    for cut in range(len(text)):
        assert parse(ImportKind.CUSTOMERS, FileFormat.CSV, text[:cut], text[cut:]) == whole
    assert whole[0].fields == {"customer_number": "C1", "name": 'A "quoted" name'}


def test_csv_bad_records_are_reported_not_fatal() -> None:
    text = "customer_number,name\nC1,Ada,extra\nC2,Bob\n"
    records = parse(ImportKind.CUSTOMERS, FileFormat.CSV, text)
    assert records[0].line == 2
    assert records[0].error == "3 cells where the header has 2 columns"
    assert records[1].fields == {"customer_number": "C2", "name": "Bob"}


def test_csv_unterminated_quote_is_reported_at_its_start() -> None:
    records = parse(ImportKind.CUSTOMERS, FileFormat.CSV, 'customer_number,name\nC1,"Ada\n')
    assert records == [Record(2, error="the file ends inside a quoted field")]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("customer_number,nmae", "unknown column 'nmae'"),
        ("name,name,customer_number", "column 'name' appears twice"),
        ("name", "the header has no 'customer_number' column"),
    ],
)
def test_a_bad_header_fails_the_file(header: str, message: str) -> None:
    with pytest.raises(FileError, match=message):
        parse(ImportKind.CUSTOMERS, FileFormat.CSV, header + "\nC1,Ada\n")


def test_an_empty_csv_file_fails() -> None:
    with pytest.raises(FileError, match="empty"):
        parse(ImportKind.CUSTOMERS, FileFormat.CSV, "")


def test_serial_item_csv_nests_address_translations_and_attributes() -> None:
    text = (
        "\ufeffproduct_number,serial_number,street,city,name.sv,attr.colour\n"
        "P1,S1,Main St 1,Lund,Pump SV,red\n"
    )
    (record,) = parse(ImportKind.SERIAL_ITEMS, FileFormat.CSV, text)
    assert record.fields == {
        "product_number": "P1",
        "serial_number": "S1",
        "installation_address": {"street": "Main St 1", "city": "Lund"},
        "translations": {"sv": "Pump SV"},
        "attributes": {"colour": "red"},
    }


def test_serial_item_header_rejects_a_bare_prefix() -> None:
    with pytest.raises(FileError, match=r"unknown column 'attr\.'"):
        parse(ImportKind.SERIAL_ITEMS, FileFormat.CSV, "product_number,serial_number,attr.\n")


def test_json_lines() -> None:
    text = '{"customer_number": "C1", "name": "Ada"}\n\n[1]\n{bad\n{"customer_number": "C2"}'
    records = parse(ImportKind.CUSTOMERS, FileFormat.JSONL, text)
    assert [(r.line, r.error) for r in records] == [
        (1, None),
        (3, "each line must be a JSON object"),
        (4, "not valid JSON: Expecting property name enclosed in double quotes at column 2"),
        (5, None),
    ]


def test_a_new_customer_needs_a_name_and_valid_fields() -> None:
    with pytest.raises(RowError) as missing:
        customer_fields(check(CustomerRow, {"customer_number": "C1"}), None)
    assert missing.value.field == "name"
    with pytest.raises(RowError) as bad:
        customer_fields(
            check(CustomerRow, {"customer_number": "C1", "name": "A", "emails": ["nope"]}), None
        )
    assert bad.value.field == "emails.0"
    with pytest.raises(RowError) as unknown:
        check(CustomerRow, {"customer_number": "C1", "contacts": []})
    assert unknown.value.field == "contacts"


def test_a_customer_row_changes_only_the_fields_it_names() -> None:
    current = {
        "name": "Ada",
        "emails": ["ada@example.com"],
        "mobiles": [],
        "allowed_methods": ["email"],
        "preferred_method": None,
        "language": "sv",
        "kind": "person",
        "time_zone": None,
        "org_unit_id": None,
    }
    row = check(CustomerRow, {"customer_number": "C1", "mobiles": ["+46 70 123 45 67"]})
    fields = customer_fields(row, current)
    assert fields.model_dump(mode="json") == current | {"mobiles": ["+46701234567"]}
    # The home org unit comes as a code, resolved to its id by the caller.
    unit = "6f1c8f3e-4d4a-4a57-9a5e-0d6f4d1b2c3a"
    placed = customer_fields(
        check(CustomerRow, {"customer_number": "C1", "org_unit_code": "NORTH"}),
        current,
        {"org_unit_id": unit},
    )
    assert str(placed.org_unit_id) == unit
    assert placed.name == "Ada"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"customer_number": "C1", "name": "A\x00da"}, "name", "U+0000"),
        ({"customer_number": "C1", "name": "Bell\x07"}, "name", "U+0007"),
        (
            {"customer_number": "C1", "emails": ["a@example.com", "b\x00@x.se"]},
            "emails.1",
            "U+0000",
        ),
        ({"customer_number": "C\x1b1"}, "customer_number", "U+001B"),
        ({"customer_number": "C1", "name\x00": "Ada"}, "name\x00", "U+0000"),
        ({"customer_number": "C1", "name": "\x85"}, "name", "U+0085"),
        ({"customer_number": "C1", "language": 2**31}, "language", "between"),
        ({"customer_number": "C1", "language": -(2**31) - 1}, "language", "between"),
    ],
)
def test_a_cell_no_column_can_hold_is_a_bad_row_naming_its_field(
    fields: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(RowError) as bad:
        check_row(CustomerRow, fields)
    assert bad.value.field == field
    assert message in str(bad.value)


def test_nested_cells_are_checked_and_text_stays_text() -> None:
    with pytest.raises(RowError) as bad:
        check_row(
            SerialItemRow,
            {
                "product_number": "P1",
                "serial_number": "S1",
                "installation_address": {"street": "Main\x001", "city": "Lund"},
            },
        )
    assert bad.value.field == "installation_address.street"
    with pytest.raises(RowError) as bad:
        check_row(
            SerialItemRow,
            {"product_number": "P1", "serial_number": "S1", "attributes": {"k\x7f": "v"}},
        )
    assert bad.value.field == "attributes.k\x7f"
    # Tab, line feed and carriage return are text (a quoted CSV cell may hold them).
    row = check_row(CustomerRow, {"customer_number": "C1", "name": "Ada\tLovelace\r\nLondon"})
    assert row.name == "Ada\tLovelace\r\nLondon"
    assert check_row(CustomerRow, {"customer_number": "C1", "language": 2**31 - 1})


def test_a_serial_item_row_over_the_current_item() -> None:
    row = check(
        SerialItemRow,
        {"product_number": "P1", "serial_number": "S1", "startup_date": "2026-01-31"},
    )
    new = serial_item_fields(row, None, {}, "Pump")
    assert new.name == "Pump"
    assert str(new.startup_date) == "2026-01-31"
    with pytest.raises(RowError) as bad:
        check(SerialItemRow, {"product_number": "P1", "serial_number": "S1", "status": "gone"})
    assert bad.value.field == "status"


def test_only_csv_text_free_of_control_characters_skips_the_field_walk() -> None:
    header = "product_number,serial_number,attr.colour\n"
    plain, bell = parse(
        ImportKind.SERIAL_ITEMS, FileFormat.CSV, header + "P1,S1,red\nP1,S2,re\x07d\n"
    )
    assert plain.plain_text
    assert not bell.plain_text
    with pytest.raises(RowError) as bad:
        check_row(SerialItemRow, bell.fields or {}, plain_text=bell.plain_text)
    assert bad.value.field == "attributes.colour"
    # A control character in the header (a free attribute's name) reaches every record.
    [keyed] = parse(
        ImportKind.SERIAL_ITEMS,
        FileFormat.CSV,
        "product_number,serial_number,attr.co\x1blour\nP1,S1,red\n",
    )
    assert not keyed.plain_text
    jsonl = '{"product_number": "P1", "serial_number": "S\\u0000"}\n'
    [line] = parse(ImportKind.SERIAL_ITEMS, FileFormat.JSONL, jsonl)
    assert not line.plain_text  # JSON escapes: never taken as plain
