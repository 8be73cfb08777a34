"""Badges a partner can embed, the public verification of a certificate, and PDF certificates.

Public pages and images show only the holder's name, the partner, the certification and its
validity: never an email address, an office or anything else about the person.
"""

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import PersonCertification

# Badges change at most once a day (when a certification expires).
BADGE_MAX_AGE = 60 * 60


@dataclass(frozen=True)
class PublicCertificate:
    """What a public page may say about one certificate."""

    holder: str
    partner: str
    certification: str
    kind: str
    valid_until: dt.date
    expired: bool
    code: str


def public_view(pc: PersonCertification, *, today: dt.date | None = None) -> PublicCertificate:
    today = today or timezone.localdate()
    return PublicCertificate(
        holder=pc.user.get_full_name(),
        partner=pc.partner.display_name,
        certification=pc.certification.name,
        kind=pc.certification.kind,
        valid_until=pc.expires_on,
        expired=pc.expires_on < today,
        code=pc.verification_code,
    )


def badge_svg(pc: PersonCertification, *, today: dt.date | None = None) -> str:
    """The badge image; an expired certificate renders greyed with "expired"."""
    return render_to_string("enablement/badge_image.svg", {"cert": public_view(pc, today=today)})


def embed_snippet(pc: PersonCertification, *, base_url: str) -> str:
    """HTML a partner pastes on its site: the badge, linking to the verification page."""
    return render_to_string(
        "enablement/badge_embed_snippet.html",
        {
            "badge_url": base_url + reverse("enablement:badge", args=[pc.verification_code]),
            "verify_url": base_url + reverse("enablement:verify", args=[pc.verification_code]),
            "alt": f"{pc.certification.name} – {pc.partner.display_name}",
        },
    ).strip()


def certificate_html(pc: PersonCertification, *, base_url: str = "") -> str:
    return render_to_string(
        "enablement/certification_certificate.html",
        {
            "cert": public_view(pc),
            "pc": pc,
            "verify_url": base_url + reverse("enablement:verify", args=[pc.verification_code]),
        },
    )


def certificate_pdf(pc: PersonCertification, *, base_url: str = "") -> bytes:
    """The certificate as a PDF, rendered with WeasyPrint from the HTML template."""
    from weasyprint import HTML

    return HTML(string=certificate_html(pc, base_url=base_url), base_url=base_url).write_pdf()
