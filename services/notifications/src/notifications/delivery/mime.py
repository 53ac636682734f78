"""An e-mail written as the bytes SMTP DATA carries (RFC 5322 and MIME), free of I/O.

The standard library's ``EmailMessage`` parses every header it is given through its
header registry and picks each part's encoding by trying them: about 4 ms of CPU a
message on the benchmark machine, a third of the sender's work (bench/README.md). What
a sender writes is always one shape (text and HTML alternatives, optional attachments),
so it is written directly here: headers encoded by the standard library's RFC 2047 and
RFC 2231 helpers where they need it, text parts quoted-printable, files base64. The
result is 7-bit clean, CRLF line ends, except for addresses that need SMTPUTF8 (written
as UTF-8; the transport asks the server for SMTPUTF8 then, as before).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import encode_rfc2231, parseaddr

_CRLF = "\r\n"
_FOLD_AT = 76  # RFC 5322 2.1.1: lines SHOULD stay within 78 characters


@dataclass(frozen=True)
class ComposedEmail:
    """What goes to the server: the envelope's sender and the message as DATA carries it."""

    sender: str
    data: bytes

    def parsed(self) -> EmailMessage:
        """The message as a receiver's standard parser reads it from a local mailbox
        (line ends as ``\\n``): for tests and tools."""
        parsed = message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _one_line(value: str) -> str:
    # A header value never carries a line break of its own (no header injection).
    return " ".join(value.splitlines())


def unstructured(name: str, value: str) -> str:
    """``Name: value`` for free text (Subject): as it is when it is short ASCII, else
    RFC 2047 encoded words, folded."""
    value = _one_line(value)
    if value.isascii() and len(name) + 2 + len(value) <= 998:
        return f"{name}: {value}"
    encoded = Header(value, "utf-8", header_name=name).encode(linesep=_CRLF)
    return f"{name}: {encoded}"


_SPECIALS = frozenset('()<>[]:;@\\,."')


def mailbox(address: str) -> str:
    """One address with its display name, if any: the name encoded (RFC 2047) or quoted
    as it needs; an address that is not ASCII stays UTF-8 (SMTPUTF8)."""
    name, addr = parseaddr(_one_line(address))
    if not addr:
        addr = address.strip()
    if not name:
        return addr
    if not name.isascii():
        shown = Header(name, "utf-8").encode()
    elif _SPECIALS.intersection(name):
        shown = _quoted(name)
    else:
        shown = name
    return f"{shown} <{addr}>"


def address_list(name: str, addresses: Sequence[str]) -> str:
    """``Name: a, b, ...`` folded between addresses."""
    line = f"{name}:"
    lines: list[str] = []
    for index, address in enumerate(addresses):
        item = mailbox(address) + ("," if index < len(addresses) - 1 else "")
        if len(line) + 1 + len(item) > _FOLD_AT and line.strip() != f"{name}:":
            lines.append(line)
            line = ""
        line += f" {item}"
    lines.append(line)
    return _CRLF.join(lines)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parameter(key: str, value: str) -> str:
    """A MIME parameter (``filename``): quoted when ASCII, RFC 2231 when not."""
    value = _one_line(value)
    if value.isascii():
        return f"{key}={_quoted(value)}"
    return f"{key}*={encode_rfc2231(value, 'utf-8')}"


def text_part(subtype: str, text: str) -> str:
    """A text/``subtype`` part in UTF-8, quoted-printable (7-bit, lines of at most 76)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    body = binascii.b2a_qp(normalized.encode(), istext=True).decode("ascii")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}'
        f"Content-Transfer-Encoding: quoted-printable{_CRLF}{_CRLF}" + body.replace("\n", _CRLF)
    )


def attachment_part(file_name: str, media_type: str, content: bytes) -> str:
    """A file, base64, named for the receiver (RFC 2231 when the name is not ASCII)."""
    if "/" not in media_type:
        media_type = "application/octet-stream"
    body = base64.encodebytes(content).decode("ascii")
    return (
        f"Content-Type: {_one_line(media_type)};{_CRLF} {_parameter('name', file_name)}{_CRLF}"
        f"Content-Transfer-Encoding: base64{_CRLF}"
        f"Content-Disposition: attachment;{_CRLF} {_parameter('filename', file_name)}{_CRLF}"
        f"{_CRLF}" + body.replace("\n", _CRLF)
    )


def multipart(subtype: str, parts: Sequence[str]) -> str:
    """A multipart/``subtype`` entity of ``parts`` (each with its own headers). The
    boundary starts with ``=_``, which neither quoted-printable nor base64 can write."""
    boundary = f"=_{uuid.uuid4().hex}"
    body = "".join(f"--{boundary}{_CRLF}{part}{_CRLF}" for part in parts)
    return (
        f'Content-Type: multipart/{subtype};{_CRLF} boundary="{boundary}"{_CRLF}{_CRLF}'
        f"{body}--{boundary}--{_CRLF}"
    )


def message(headers: Sequence[str], entity: str) -> bytes:
    """The whole message: its header lines, MIME-Version, then the entity (which starts
    with its own Content-Type)."""
    head = _CRLF.join([*headers, "MIME-Version: 1.0"])
    return f"{head}{_CRLF}{entity}".encode()
