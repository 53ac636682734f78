"""SMS length and segments: GSM-7 and UCS-2, as an SMS centre counts them."""

from __future__ import annotations

import pytest

from aftersales_contracts.sms import SmsEncoding, is_gsm7, measure, measure_template


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", SmsEncoding.GSM7, 0, 0),
        ("Hello", SmsEncoding.GSM7, 5, 1),
        ("a" * 160, SmsEncoding.GSM7, 160, 1),
        ("a" * 161, SmsEncoding.GSM7, 161, 2),
        ("a" * 306, SmsEncoding.GSM7, 306, 2),
        ("a" * 307, SmsEncoding.GSM7, 307, 3),
        # Swedish letters are in the GSM alphabet.
        ("Hej Åsa, din maskin är klar för service." * 5, SmsEncoding.GSM7, 200, 2),
        # The extension table takes two places: 80 euro signs fill one segment.
        ("€" * 80, SmsEncoding.GSM7, 160, 1),
        ("€" * 81, SmsEncoding.GSM7, 162, 2),
        ("{}[]~\\|^", SmsEncoding.GSM7, 16, 1),
        # One character outside the alphabet turns the whole text into UCS-2.
        ("a" * 69 + "ł", SmsEncoding.UCS2, 70, 1),
        ("a" * 70 + "ł", SmsEncoding.UCS2, 71, 2),
        ("ł" * 134, SmsEncoding.UCS2, 134, 2),
        ("ł" * 135, SmsEncoding.UCS2, 135, 3),
        # An emoji is two UTF-16 code units.
        ("😀" * 35, SmsEncoding.UCS2, 70, 1),
        ("😀" * 36, SmsEncoding.UCS2, 72, 2),
    ],
)
def test_encoding_length_and_segments(
    text: str, encoding: SmsEncoding, units: int, segments: int
) -> None:
    measured = measure(text)
    assert (measured.encoding, measured.units, measured.segments) == (encoding, units, segments)


def test_a_two_place_character_never_straddles_segments() -> None:
    # 152 letters, then a euro sign that does not fit the first segment's last place.
    measured = measure("a" * 152 + "€" + "a" * 10)
    assert measured.units == 164
    assert measured.segments == 2
    assert measured.remaining == 153 - 12
    # The same for a surrogate pair in UCS-2.
    measured = measure("ł" * 66 + "😀" + "ł" * 5)
    assert (measured.units, measured.segments, measured.remaining) == (73, 2, 67 - 7)


def test_remaining_in_a_single_segment() -> None:
    assert measure("a" * 150).remaining == 10
    assert measure("ł" * 60).remaining == 10


def test_gsm7_alphabet() -> None:
    assert is_gsm7("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà")
    assert not is_gsm7("ç")  # only the capital Ç is in the alphabet
    assert not is_gsm7("`")


def test_a_template_is_measured_without_its_placeholders() -> None:
    measured = measure_template("Hi {{ customer_name }}, {{ serial_number }} is due.")
    assert measured.placeholders == ["customer_name", "serial_number"]
    assert measured.length.units == len("Hi ,  is due.")
    assert measured.length.encoding is SmsEncoding.GSM7


def test_the_old_spelling_of_an_encoding_is_still_accepted_on_input() -> None:
    assert SmsEncoding("gsm7") is SmsEncoding.GSM7
    assert SmsEncoding("UCS2") is SmsEncoding.UCS2
    assert SmsEncoding("gsm-7") is SmsEncoding.GSM7
    assert SmsEncoding.GSM7.value == "gsm-7"
