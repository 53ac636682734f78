"""Reports, free of I/O: a PDF from a title and a text (placeholders already filled),
and file names made safe for every common file system."""

from __future__ import annotations

import re
import unicodedata

from fpdf import FPDF

PDF_MEDIA_TYPE = "application/pdf"

# Characters no common file system (Windows, macOS, Linux) takes in a name, and controls.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
MAX_FILE_NAME = 120


def safe_file_name(name: str, *, extension: str | None = None, fallback: str = "file") -> str:
    """``name`` made safe to save anywhere: no path separators or reserved characters, no
    leading dots or trailing dots and spaces, not a reserved Windows device name, at
    most ``MAX_FILE_NAME`` characters; ``extension`` (``".pdf"``) added when missing."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").rstrip(". ")
    text = re.sub(r"_{2,}", "_", text)
    if extension and text.lower().endswith(extension.lower()):
        text = text[: -len(extension)].rstrip(". ")
    if not text.strip("_ "):
        text = fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    suffix = extension or ""
    return text[: MAX_FILE_NAME - len(suffix)].rstrip(". ") + suffix


def _latin1(text: str) -> str:
    # The PDF's built-in fonts cover Latin-1 (Swedish, German, French ... letters); other
    # characters are shown as "?" rather than failing the report.
    replacements = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"'}
    replacements["\u201d"] = '"'
    replacements["\u20ac"] = "EUR"
    text = "".join(replacements.get(c, c) for c in text)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(title: str | None, text: str) -> bytes:
    """A simple A4 PDF: the title in bold, then the text with its line breaks kept."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    if title:
        pdf.set_font("helvetica", style="B", size=16)
        pdf.multi_cell(0, 9, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, _latin1(text) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
