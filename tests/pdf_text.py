"""The text of a PDF, for tests that check what a document says."""

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """Every page's text, with runs of whitespace collapsed to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
