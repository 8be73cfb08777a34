"""Demo data for certifications: tracks, courses, a catalogue of twelve certifications, about
four hundred person certifications across the demo partners' people (some expiring, expired
and renewed) and reference implementations. Idempotent: natural keys everywhere and a fixed
random seed, so a second run finds everything in place."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from partners.models import Partner, PartnerMembership
from prm.audit import record_event

from .models import (
    Certification,
    Course,
    PersonCertification,
    ReferenceImplementation,
    Role,
    Track,
)
from .selectors import region_for
from .services import expiry_date, status_on

TRACKS = [
    ("Selling the platform", Role.SALES, [], "Positioning, discovery and the business case."),
    ("Selling managed services", Role.SALES, ["msp", "mssp"], "Recurring offers for MSPs."),
    ("Deploying and operating", Role.TECHNICAL, [], "Installation, sizing, upgrades, support."),
    ("Security operations", Role.TECHNICAL, ["mssp", "msp", "si"], "Hardening and monitoring."),
    ("Building on the API", Role.DEVELOPER, ["isv", "si"], "Integrations and extensions."),
]

COURSES = [
    ("sales-101", "Platform fundamentals for sellers", 0, 90),
    ("sales-201", "Discovery and the business case", 0, 120),
    ("msp-101", "Packaging a managed offer", 1, 90),
    ("msp-201", "Pricing and margins for MSPs", 1, 60),
    ("tech-101", "Installing and sizing", 2, 240),
    ("tech-201", "Upgrades, backup and recovery", 2, 180),
    ("sec-201", "Hardening and threat monitoring", 3, 300),
    ("dev-101", "REST API and webhooks", 4, 180),
    ("dev-201", "Building connectors", 4, 240),
]

CERTIFICATIONS = [
    ("sales-associate", "Certified Sales Associate", "sales", 24, 5, "sales-101"),
    ("sales-professional", "Certified Sales Professional", "sales", 24, 10, "sales-201"),
    ("msp-sales", "Managed Services Sales Specialist", "sales", 24, 10, "msp-201"),
    ("tech-associate", "Certified Technical Associate", "technical", 24, 10, "tech-101"),
    ("tech-professional", "Certified Technical Professional", "technical", 24, 20, "tech-201"),
    ("support-engineer", "Certified Support Engineer", "technical", 18, 15, "tech-201"),
    ("dev-associate", "Certified Developer Associate", "developer", 24, 10, "dev-101"),
    ("dev-professional", "Certified Integration Developer", "developer", 24, 20, "dev-201"),
    ("api-architect", "Certified API Architect", "developer", 36, 25, "dev-201"),
    ("security-specialty", "Security Operations Specialty", "specialty", 12, 30, "sec-201"),
    ("cloud-migration", "Cloud Migration Specialty", "specialty", 12, 30, "tech-201"),
    ("healthcare-specialty", "Healthcare Compliance Specialty", "specialty", 12, 30, None),
]

REFERENCES = [
    ("Harbor Health Network", "Migration of 2,400 seats and SSO for three clinics."),
    ("Lakeside Logistics", "24/7 monitoring and incident response for 40 sites."),
    ("Greenfield Schools", "Deployment across 12 campuses with parent portal integration."),
    ("Atlas Manufacturing", "ERP connector and shop-floor dashboards."),
]

TARGET_ROWS = 400


def seed_certifications(*, stdout) -> None:
    with transaction.atomic():
        certifications = _seed_catalogue()
        created = _seed_person_certifications(certifications)
        references = _seed_references()
    stdout.write(
        f"enablement: {len(certifications)} certifications, {created} person certifications "
        f"added, {references} reference implementations added\n"
    )


def _seed_catalogue() -> list[Certification]:
    tracks = []
    for position, (name, role, models, description) in enumerate(TRACKS):
        track, _ = Track.objects.get_or_create(
            name=name,
            defaults={
                "role": role,
                "business_models": models,
                "description": description,
                "position": position,
            },
        )
        tracks.append(track)
    courses = {}
    for position, (code, title, track_index, minutes) in enumerate(COURSES):
        track = tracks[track_index]
        courses[code], _ = Course.objects.get_or_create(
            code=code,
            defaults={
                "track": track,
                "title": title,
                "duration_minutes": minutes,
                "role": track.role,
                "business_models": track.business_models,
                "url": f"https://learn.example.com/courses/{code}",
                "position": position,
            },
        )
    certifications = []
    for code, name, kind, months, points, course_code in CERTIFICATIONS:
        certification, _ = Certification.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "validity_months": months,
                "points": points,
                "course": courses.get(course_code),
                "description": f"Proves {name.lower().replace('certified ', '')} skills.",
            },
        )
        certifications.append(certification)
    return certifications


def _people() -> list[PartnerMembership]:
    return list(
        PartnerMembership.objects.select_related("user", "partner", "office")
        .filter(partner__status=Partner.Status.ACTIVE, user__is_service_account=False)
        .order_by("partner_id", "user_id")
    )


def _seed_person_certifications(certifications: list[Certification]) -> int:
    people = _people()
    if not people:
        return 0
    rng = random.Random(20260401)
    today = timezone.localdate()
    per_person = max(1, TARGET_ROWS // len(people))
    created = 0
    for membership in people:
        for certification in rng.sample(certifications, k=min(per_person, len(certifications))):
            created += _seed_history(membership, certification, rng, today)
    return created


def _seed_history(membership, certification, rng, today) -> int:
    """One completion, sometimes renewed later, ending active, expiring or expired."""
    months = certification.validity_months
    # Spread the latest completion so that some expire soon, some have expired, most are fine.
    latest_days_ago = rng.choice(
        [rng.randint(10, months * 30 - 90)] * 6
        + [months * 30 - rng.randint(5, 50)] * 2
        + [months * 30 + rng.randint(10, 200)]
    )
    dates = [today - dt.timedelta(days=max(latest_days_ago, 1))]
    if rng.random() < 0.25:
        dates.insert(0, dates[0] - dt.timedelta(days=months * 30 - rng.randint(0, 40)))
    created = 0
    for index, earned_on in enumerate(dates):
        superseded = index < len(dates) - 1
        expires_on = expiry_date(certification, earned_on)
        status = (
            PersonCertification.Status.RENEWED if superseded else status_on(expires_on, today, 60)
        )
        pc, was_created = PersonCertification.objects.get_or_create(
            user=membership.user,
            certification=certification,
            earned_on=earned_on,
            defaults={
                "partner": membership.partner,
                "office": membership.office,
                "region": region_for(membership.partner, membership.office),
                "expires_on": expires_on,
                "status": status,
                "source": PersonCertification.Source.IMPORT,
                "external_id": f"demo-{membership.user_id}-{certification.code}-{earned_on}",
            },
        )
        if was_created:
            created += 1
            record_event(pc, actor=None, verb="certification.recorded", to_state=status)
    return created


def _seed_references() -> int:
    partners = list(
        Partner.objects.filter(status=Partner.Status.ACTIVE)
        .select_related("channel_manager")
        .order_by("-tier__rank", "display_name")[:4]
    )
    today = timezone.localdate()
    statuses = [
        ReferenceImplementation.Status.APPROVED,
        ReferenceImplementation.Status.APPROVED,
        ReferenceImplementation.Status.SUBMITTED,
        ReferenceImplementation.Status.REJECTED,
    ]
    created = 0
    for index, partner in enumerate(partners):
        for offset, (customer, scope) in enumerate(REFERENCES[: 2 + (index % 2)]):
            status = statuses[(index + offset) % len(statuses)]
            decided = status != ReferenceImplementation.Status.SUBMITTED
            _, was_created = ReferenceImplementation.objects.get_or_create(
                partner=partner,
                customer_name=customer,
                defaults={
                    "scope": scope,
                    "evidence": "Go-live sign-off by the customer's IT director.",
                    "completed_on": today - dt.timedelta(days=40 + 70 * offset),
                    "status": status,
                    "decided_by": partner.channel_manager if decided else None,
                    "decided_at": timezone.now() if decided else None,
                    "reason": "Evidence incomplete: no customer contact."
                    if status == ReferenceImplementation.Status.REJECTED
                    else "",
                },
            )
            created += was_created
    return created
