"""Checked uploads for the content library: size, extension and the type read from the bytes
(Office documents are looked into), never the name or the browser's word alone.
"""

import posixpath
import zipfile
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _

from prm.exceptions import DomainError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
HEADER_BYTES = 8192
# The largest [Content_Types].xml we agree to read; real ones are a few kilobytes.
MAX_CONTENT_TYPES_BYTES = 256 * 1024

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
OOXML = "application/vnd.openxmlformats-officedocument"
DOCX = f"{OOXML}.wordprocessingml.document"
PPTX = f"{OOXML}.presentationml.presentation"
XLSX = f"{OOXML}.spreadsheetml.sheet"
ALLOWED_EXTENSIONS = {
    "pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG, "docx": DOCX, "pptx": PPTX, "xlsx": XLSX,
}  # fmt: skip
# The main part each Office document declares; macro-enabled and template variants differ.
OFFICE_MAIN_PARTS = {
    DOCX: f"{DOCX}.main+xml",
    PPTX: f"{PPTX}.main+xml",
    XLSX: f"{XLSX}.main+xml",
}
ZIP_LIKE = {"application/zip", DOCX, PPTX, XLSX}
DESCRIPTIONS = {
    PDF: "PDF", PNG: "PNG image", JPEG: "JPEG image",
    DOCX: "Word document", PPTX: "PowerPoint presentation", XLSX: "Excel workbook",
}  # fmt: skip


class ContentError(DomainError):
    """The content library refused the request."""

    code = "content_error"


class UploadRejected(ContentError):
    """The file was refused."""

    code = "upload_rejected"


# --- Upload validation ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    extension: str
    content_type: str
    size: int


def _original_name(upload) -> str:
    name = posixpath.basename((upload.name or "").replace("\\", "/")).strip()
    return name[:255] or "upload"


def validate_upload(upload, *, max_bytes: int = MAX_UPLOAD_BYTES) -> CheckedUpload:
    """Accept a PDF, PNG, JPEG, DOCX, PPTX or XLSX whose content matches its extension."""
    name = _original_name(upload)
    extension = posixpath.splitext(name)[1].lower().lstrip(".")
    expected = ALLOWED_EXTENSIONS.get(extension)
    if expected is None:
        raise UploadRejected(
            _("Only PDF, PNG, JPEG, DOCX, PPTX and XLSX files are accepted (got “%(name)s”).")
            % {"name": name}
        )
    if upload.size > max_bytes:
        raise UploadRejected(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": max_bytes // 1024 // 1024}
        )
    if upload.size == 0:
        raise UploadRejected(_("The file is empty."))
    upload.seek(0)
    head = upload.read(HEADER_BYTES)
    upload.seek(0)
    guessed = filetype.guess(head)
    detected = guessed.mime if guessed else None
    if expected in OFFICE_MAIN_PARTS and detected in ZIP_LIKE:
        detected = _office_document_type(upload)
        upload.seek(0)
    if detected is None:
        raise UploadRejected(_("The file's content is not a PDF, PNG, JPEG or Office document."))
    if detected != expected:
        raise UploadRejected(
            _("The file's content is a %(actual)s but its name ends in .%(extension)s.")
            % {"actual": DESCRIPTIONS.get(detected, detected), "extension": extension},
            details={"detected": detected, "extension": extension},
        )
    return CheckedUpload(name, "jpg" if extension == "jpeg" else extension, expected, upload.size)


def _office_document_type(upload) -> str | None:
    """The Office document a zip package declares in ``[Content_Types].xml``, if any."""
    try:
        with zipfile.ZipFile(upload) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                raise UploadRejected(_("The Office document's content types entry is too large."))
            declared = package.read(info).decode("utf-8", errors="replace")
    except KeyError as exc:
        raise UploadRejected(
            _("The file is a zip archive, not an Office document (no [Content_Types].xml).")
        ) from exc
    except zipfile.BadZipFile as exc:
        raise UploadRejected(_("The Office document is damaged (not a readable zip).")) from exc
    for document_type, main_part in OFFICE_MAIN_PARTS.items():
        if f'"{main_part}"' in declared:
            return document_type
    raise UploadRejected(
        _("The file is not a Word, PowerPoint or Excel document (or it contains macros).")
    )
