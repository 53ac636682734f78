"""Catalog's pure rules: time zones, locales, the org unit tree, countries, attributes
(sorts and cursors are the kit's, tested there)."""

from __future__ import annotations

import uuid

import pytest

from catalog import domain


def test_time_zones_are_iana_names() -> None:
    assert domain.check_time_zone("Europe/Stockholm") == "Europe/Stockholm"
    for bad in ("Mars/Base", "", "../etc/passwd", "Europe/"):
        with pytest.raises(domain.InvalidTimeZone):
            domain.check_time_zone(bad)


@pytest.mark.parametrize("locale", ["en", "sv-SE", "fil"])
def test_good_locales(locale: str) -> None:
    assert domain.check_locale(locale) == locale


@pytest.mark.parametrize("locale", ["EN", "sv_SE", "sv-se", "english", ""])
def test_bad_locales(locale: str) -> None:
    with pytest.raises(ValueError, match="is not a locale"):
        domain.check_locale(locale)


def test_cycles() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert domain.would_cycle(a, [b, a])
    assert domain.would_cycle(a, [a])
    assert not domain.would_cycle(a, [b])


def test_country_codes_are_iso_alpha_2() -> None:
    assert domain.check_country("SE") == "SE"
    for bad in ("se", "SWE", "XX", ""):
        with pytest.raises(ValueError, match="country code"):
            domain.check_country(bad)


def test_attributes_are_bounded() -> None:
    assert domain.check_attributes({"colour": "red"}) == {"colour": "red"}
    for bad in ({f"k{i}": "v" for i in range(51)}, {"": "v"}, {"k": "v" * 1001}):
        with pytest.raises(ValueError, match="attribute"):
            domain.check_attributes(bad)
