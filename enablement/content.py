"""The content library: who sees which asset, checked uploads, downloads and co-branding.

Uploads are judged by their bytes, not their names: the first bytes must be a PDF, PNG, JPEG or
an Office Open XML package whose ``[Content_Types].xml`` declares the document the extension
promises. Files are stored under generated names and served only through a view that checks
visibility, never as public media URLs.
"""

import base64
import posixpath
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from partners.models import BusinessModel, Partner, PartnerMembership
from partners.selectors import partner_access, primary_membership
from prm.audit import record_event
from prm.exceptions import DomainError, PermissionDenied
from prm.models import User

from .models import Asset, AssetUsage

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_LOGO_BYTES = 2 * 1024 * 1024
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
LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


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


# --- Visibility -------------------------------------------------------------------------------


def business_model_q(field: str, kinds: Iterable[str]) -> Q:
    """Rows whose JSON list ``field`` is empty (meaning everyone) or names one of ``kinds``.

    The lists hold business-model codes, each serialised with its quotes, so a text match on
    ``"msp"`` cannot match ``"mssp"``. It works the same on SQLite and PostgreSQL, where JSON
    containment is not available on both.
    """
    q = Q(**{field: []})
    for kind in kinds:
        q |= Q(**{f"{field}__icontains": f'"{kind}"'})
    return q


def assets_visible_to(user: User) -> QuerySet[Asset]:
    """Ops and channel managers see every asset; partner users the published assets meant for
    their tier and business model (an empty restriction means everyone)."""
    assets = Asset.objects.select_related("created_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return assets.none()
    if user.is_internal:
        return assets
    member_of = partner_access(user).member_of
    if not member_of:
        return assets.none()
    partners = list(
        Partner.objects.filter(pk__in=member_of).values_list("tier_id", "business_model")
    )
    tier_ids = {tier_id for tier_id, _kind in partners if tier_id is not None}
    kinds = {kind for _tier, kind in partners}
    restrictions = Asset.visible_to_tiers.through.objects.filter(asset_id=OuterRef("pk"))
    return assets.filter(
        ~Exists(restrictions) | Exists(restrictions.filter(tier_id__in=tier_ids)),
        business_model_q("business_models", kinds),
        published=True,
    )


def get_asset_for_user(user: User, pk) -> Asset:
    return get_object_or_404(assets_visible_to(user), pk=pk)


def search_assets(user: User, *, kind: str = "", query: str = "") -> QuerySet[Asset]:
    assets = assets_visible_to(user).prefetch_related("visible_to_tiers")
    if kind:
        assets = assets.filter(kind=kind)
    if query:
        assets = assets.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return assets


def acting_partner(user: User) -> Partner | None:
    """The partner a partner user acts for (their primary membership); None for staff."""
    membership = primary_membership(user)
    return membership.partner if membership else None


def usage_counts(*, partner_ids, since=None) -> dict[int, dict[str, int]]:
    """{partner id: {action: count}} of asset downloads, links and co-brandings."""
    rows = AssetUsage.objects.filter(partner_id__in=list(partner_ids))
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    counts: dict[int, dict[str, int]] = {}
    for partner_id, action, n in (
        rows.order_by().values_list("partner_id", "action").annotate(n=Count("pk"))
    ):
        counts.setdefault(partner_id, {})[action] = n
    return counts


# --- Writes -----------------------------------------------------------------------------------


def _require_ops(actor: User) -> None:
    if not actor.is_program_ops:
        raise PermissionDenied(_("Only program operations manage the content library."))


def clean_business_models(values) -> list[str]:
    values = list(values or [])
    unknown = sorted(set(values) - set(BusinessModel.values))
    if unknown:
        raise ContentError(
            _("Unknown business model(s): %(values)s.") % {"values": ", ".join(unknown)}
        )
    return sorted(set(values))


def attach_file(asset: Asset, upload) -> None:
    """Check ``upload`` and store it on the (unsaved) asset under a generated name."""
    checked = validate_upload(upload)
    # The storage name is generated by ``asset_upload_to``; only the extension is kept.
    asset.file.save(f"asset.{checked.extension}", upload, save=False)
    asset.original_filename = checked.original_name
    asset.content_type = checked.content_type
    asset.size = checked.size


@transaction.atomic
def create_asset(
    *,
    actor: User,
    title: str,
    kind: str,
    description: str = "",
    upload=None,
    external_url: str = "",
    tiers: Iterable = (),
    business_models: Iterable[str] = (),
    co_brandable: bool = False,
    published: bool = False,
) -> Asset:
    """Add an asset: a checked file or an external link (video links are always links)."""
    _require_ops(actor)
    if bool(upload) == bool(external_url):
        raise ContentError(_("Give either a file or an external link, not both."))
    if kind == Asset.Kind.VIDEO and upload:
        raise ContentError(_("A video is shared as a link, not uploaded."))
    asset = Asset(
        title=title.strip(),
        description=description.strip(),
        kind=kind,
        external_url=external_url,
        business_models=clean_business_models(business_models),
        co_brandable=co_brandable,
        published=published,
        created_by=actor,
    )
    if upload:
        attach_file(asset, upload)
    asset.save()
    asset.visible_to_tiers.set(list(tiers))
    record_event(
        asset,
        actor=actor,
        verb="asset.created",
        to_state="published" if published else "draft",
        data={"file": asset.original_filename, "link": external_url},
    )
    return asset


@transaction.atomic
def replace_asset_file(*, actor: User, asset: Asset, upload) -> Asset:
    _require_ops(actor)
    previous = asset.original_filename
    old_name = asset.file.name if asset.file else ""
    attach_file(asset, upload)
    asset.external_url = ""
    asset.save(
        update_fields=["file", "original_filename", "content_type", "size", "external_url",
                       "updated_at"]
    )  # fmt: skip
    if old_name:
        storage = asset.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    record_event(
        asset,
        actor=actor,
        verb="asset.file_replaced",
        data={"from": previous, "to": asset.original_filename},
    )
    return asset


@transaction.atomic
def set_asset_published(*, actor: User, asset: Asset, published: bool) -> Asset:
    _require_ops(actor)
    if asset.published == published:
        return asset
    asset.published = published
    asset.save(update_fields=["published", "updated_at"])
    record_event(
        asset,
        actor=actor,
        verb="asset.published" if published else "asset.unpublished",
        from_state="draft" if published else "published",
        to_state="published" if published else "draft",
    )
    return asset


def record_asset_usage(
    *, asset: Asset, user: User, action: str, partner: Partner | None = None
) -> AssetUsage | None:
    """Count one use for the partner acting; staff browsing the library are not counted."""
    partner = partner or acting_partner(user)
    if partner is None:
        return None
    return AssetUsage.objects.create(asset=asset, partner=partner, user=user, action=action)


# --- Branding and co-branding -----------------------------------------------------------------


@dataclass(frozen=True)
class Branding:
    """What a partner-branded document shows: no vendor branding, only the partner's."""

    name: str
    legal_name: str
    logo_data_uri: str
    website: str
    country: str
    contact_name: str
    contact_email: str


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def partner_logo_data_uri(partner: Partner) -> str:
    """The partner's logo inlined (so pages and PDFs need no media URL); empty if unusable."""
    if not partner.logo:
        return ""
    try:
        with partner.logo.open("rb") as handle:
            data = handle.read(MAX_LOGO_BYTES + 1)
    except (OSError, ValueError):
        return ""
    if len(data) > MAX_LOGO_BYTES:
        return ""
    guessed = filetype.guess(data)
    if guessed and guessed.mime in LOGO_TYPES:
        return _data_uri(data, guessed.mime)
    if partner.logo.name.lower().endswith(".svg") and b"<svg" in data[:2048]:
        return _data_uri(data, "image/svg+xml")
    return ""


def partner_branding(partner: Partner, *, contact: User | None = None) -> Branding:
    if contact is None or contact.is_internal:
        admin = (
            PartnerMembership.objects.filter(partner=partner, role=PartnerMembership.Role.ADMIN)
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        contact = admin.user if admin else None
    return Branding(
        name=partner.display_name,
        legal_name=partner.legal_name,
        logo_data_uri=partner_logo_data_uri(partner),
        website=partner.website,
        country=partner.hq_country,
        contact_name=contact.get_full_name() if contact else "",
        contact_email=contact.email if contact else "",
    )


def render_cobranded_pdf(*, asset: Asset, partner: Partner, actor: User) -> bytes:
    """A PDF in the partner's name for a co-brandable asset, and one usage row.

    For a PDF asset the result is a co-branded cover page with the original document attached;
    for an image, the image under the partner's letterhead; otherwise a branded cover sheet.
    """
    from weasyprint import HTML, Attachment

    if not asset.co_brandable:
        raise ContentError(_("This asset cannot be co-branded."))
    if not (actor.is_internal or partner.pk in partner_access(actor).member_of):
        raise PermissionDenied(_("You can co-brand only for your own organisation."))
    attachments, image_uri = [], ""
    if asset.file:
        with asset.file.open("rb") as handle:
            data = handle.read()
        if asset.is_pdf:
            attachments.append(Attachment(string=data, name=asset.original_filename))
        elif asset.content_type in {PNG, JPEG}:
            image_uri = _data_uri(data, asset.content_type)
    html = render_to_string(
        "enablement/cobrand_document.html",
        {
            "asset": asset,
            "branding": partner_branding(partner, contact=actor),
            "image_uri": image_uri,
            "has_attachment": bool(attachments),
        },
    )
    pdf = HTML(string=html).write_pdf(attachments=attachments)
    if partner.pk in partner_access(actor).member_of:  # staff previews are not partner use
        record_asset_usage(
            asset=asset, user=actor, action=AssetUsage.Action.COBRAND, partner=partner
        )
    return pdf
