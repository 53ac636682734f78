"""How long an SMS text is on the wire: its encoding, length and segment count. Pure.

An SMS carries 140 bytes. Text that fits the GSM 03.38 alphabet is sent as GSM-7
(160 characters, or 153 per segment once the message is split, the rest of each segment
holding the concatenation header); a character of the extension table (``{ } [ ] ~ \\ | ^ €``
and form feed) takes two of those places and never straddles two segments. One character
outside the alphabet sends the whole text as UCS-2: 70 UTF-16 code units, or 67 per
segment, an emoji taking two units that never straddle two segments either.

Shared by servicetypes (the length report of a step's SMS text) and notifications (the
segments of each SMS it sends), so both count alike and spell the encoding alike:
``gsm-7`` and ``ucs-2``. The spellings an older notifications API answered (``gsm7``,
``ucs2``) are still accepted where a client sends an encoding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aftersales_contracts import placeholders

# GSM 03.38 basic character set (the escape 0x1B left out) and its extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

MAX_SEGMENTS = 10  # providers refuse or truncate longer concatenated messages


class SmsEncoding(enum.StrEnum):
    GSM7 = "gsm-7"
    UCS2 = "ucs-2"

    @classmethod
    def _missing_(cls, value: object) -> SmsEncoding | None:
        # The old spelling (without the hyphen), still accepted on input.
        if isinstance(value, str):
            for member in cls:
                if member.value.replace("-", "") == value.lower():
                    return member
        return None


@dataclass(frozen=True)
class SmsLength:
    encoding: SmsEncoding
    # Places the text takes in its encoding: GSM-7 septets or UCS-2 code units.
    units: int
    segments: int
    # Places left in the last segment.
    remaining: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def measure(text: str) -> SmsLength:
    """Encoding, length and segments of ``text`` exactly as it would be sent."""
    if is_gsm7(text):
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        encoding, single, part = SmsEncoding.GSM7, 160, 153
    else:
        sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
        encoding, single, part = SmsEncoding.UCS2, 70, 67
    units = sum(sizes)
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single - units)
    # Pack greedily: a two-place character moves whole to the next segment.
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return SmsLength(encoding, units, segments, part - used)


@dataclass(frozen=True)
class SmsTemplateLength:
    """The length of a template's fixed text; each placeholder adds its value's length
    when rendered, and a value outside GSM-7 turns the whole message into UCS-2."""

    length: SmsLength
    placeholders: list[str]


def measure_template(text: str) -> SmsTemplateLength:
    fixed = placeholders.PLACEHOLDER.sub("", text)
    return SmsTemplateLength(measure(fixed), placeholders.find(text))
