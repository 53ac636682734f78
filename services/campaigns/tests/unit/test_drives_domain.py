"""Pure rules of campaigns: reading a serial number CSV in pieces (BOM, blank lines,
headers, quotes, semicolons, bad lines), translations, and what a state lets change."""

from __future__ import annotations

import pytest

from campaigns.drives.domain import (
    CampaignState,
    LineError,
    LineProblem,
    SerialCsvParser,
    SerialLine,
    bad_translation,
    frozen_fields,
    missing_customer_problem,
    serial_line,
)


def parse(text: str, piece: int | None = None) -> list[SerialLine]:
    parser = SerialCsvParser()
    lines: list[SerialLine] = []
    pieces = [text] if piece is None else [text[i : i + piece] for i in range(0, len(text), piece)]
    for p in pieces:
        lines.extend(parser.feed(p))
    lines.extend(parser.finish())
    return lines


def test_one_serial_a_line_with_optional_product() -> None:
    assert parse("A1\nA2,P-9\n  A3 , P-8 \n") == [
        SerialLine("A1"),
        SerialLine("A2", "P-9"),
        SerialLine("A3", "P-8"),
    ]


def test_no_final_newline_and_crlf() -> None:
    assert parse("A1\r\nA2\r\nA3") == [SerialLine("A1"), SerialLine("A2"), SerialLine("A3")]


def test_byte_order_mark_and_blank_lines() -> None:
    assert parse("\ufeffA1\n\n   \nA2\n\n") == [SerialLine("A1"), SerialLine("A2")]


def test_header_row_is_skipped_in_either_column_order() -> None:
    assert parse("serial_number,product_number\nA1,P1\n") == [SerialLine("A1", "P1")]
    assert parse("\ufeffProduct Number;Serial Number\nP1;A1\nP2;A2\n") == [
        SerialLine("A1", "P1"),
        SerialLine("A2", "P2"),
    ]
    assert parse("Serial\nA1\n") == [SerialLine("A1")]
    # A first line that is not a header is a serial number.
    assert parse("SER-1\nSER-2\n") == [SerialLine("SER-1"), SerialLine("SER-2")]


def test_quoted_fields() -> None:
    assert parse('"A,1","P ""x"""\n"A2"\n') == [SerialLine("A,1", 'P "x"'), SerialLine("A2")]


def test_semicolons_when_the_first_line_has_no_comma() -> None:
    assert parse("A1;P1\nA2;P2\n") == [SerialLine("A1", "P1"), SerialLine("A2", "P2")]


def test_pieces_of_any_size_give_the_same_lines() -> None:
    text = "\ufeffserial_number,product_number\n" + "".join(
        f'"S-{i}",P{i % 3}\r\n' if i % 2 else f"S-{i}\n\n" for i in range(200)
    )
    whole = parse(text)
    assert len(whole) == 200
    for size in (1, 2, 7, 64):
        assert parse(text, piece=size) == whole


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("A1\nA2,P2,extra\n", 2, "at most a product number"),
        ("A1\n,P2\n", 2, "serial number is empty"),
        ("A1\n" + "x" * 101 + "\n", 2, "at most 100"),
        ("A1\nA2," + "p" * 101 + "\n", 2, "at most 100"),
        ('A1\n"A2\n', 2, "ends inside a quoted field"),
        ("A1\nA\x012\n", 2, "control character"),
        ('A1\n"A"x"y"\n', 2, "not valid CSV"),
    ],
)
def test_bad_lines_name_their_line(text: str, line: int, says: str) -> None:
    with pytest.raises(LineError) as caught:
        parse(text)
    assert caught.value.line == line
    assert says in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")


def test_a_quoted_field_over_lines_counts_from_its_first_line() -> None:
    with pytest.raises(LineError) as caught:
        parse('A1\n"A\n2",P,x\n')
    assert caught.value.line == 2


def test_serial_line_trims() -> None:
    assert serial_line("  A ", None) == SerialLine("A", "")
    with pytest.raises(ValueError, match="empty"):
        serial_line("   ")


def test_translations() -> None:
    assert bad_translation({"sv": "Pump", "sv-SE": "Pump", "fil": "x"}) is None
    for locale in ("SV", "sv_SE", "sv-se", "svenska", "s"):
        found = bad_translation({locale: "Pump"})
        assert found is not None
        assert found[0] == locale
    assert bad_translation({"sv": "  "}) == ("sv", "a translated name may not be blank")
    assert bad_translation({"sv": "x" * 201}) is not None


def test_what_each_state_lets_change() -> None:
    everything = ["name", "template_id", "use_customer_from_order", "cause_code"]
    assert frozen_fields(CampaignState.DRAFT, everything) == []
    assert frozen_fields(CampaignState.RELEASED, everything) == [
        "template_id",
        "use_customer_from_order",
    ]
    assert frozen_fields(CampaignState.RELEASED, ["name", "translations"]) == []
    assert frozen_fields(CampaignState.CLOSED, ["name"]) == ["name"]


def test_missing_customer_by_setting() -> None:
    assert missing_customer_problem(False) is LineProblem.NO_OWNER
    assert missing_customer_problem(True) is LineProblem.NO_INITIAL_ORDER_CUSTOMER
