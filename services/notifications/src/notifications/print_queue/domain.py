"""The print queue's rules, free of I/O: what a printed letter reports as sent to, and
one PDF of many."""

from __future__ import annotations

import io
from collections.abc import Sequence

from pypdf import PdfWriter

# The queue of reports whose request named no print tag.
UNTAGGED = ""
# The most jobs one batch download or one "mark printed" takes.
MAX_BATCH = 500


def sent_to(print_tag: str) -> list[str]:
    """What ``MessageSent.sent_to`` says of a printed letter: its print tag, or ``print``."""
    return [print_tag or "print"]


def merge(pdfs: Sequence[bytes]) -> bytes:
    """The PDFs one after the other in one document (a batch to print at once)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def batch_file_name(print_tag: str, count: int) -> str:
    return f"print-queue {print_tag or 'untagged'} ({count}).pdf"
