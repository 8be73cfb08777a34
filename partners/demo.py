"""The demo program: internal teams and people, tiers, the agreement, partners and applications.

Every row is found by a natural key (email, team name, tier rank, agreement version, partner
name) before it is created, so running the seeder again creates nothing new. Names, scores and
dates come from a random generator seeded with the partner's name: the same on every run.
State changes go through the services, so the demo has the audit trail a real program would.
"""

import datetime as dt
import random

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from prm.models import ChannelTeam, User

from . import services
from .demo_data import (
    ADMIN,
    AGREEMENT_BODY,
    AGREEMENT_TITLE,
    AGREEMENT_VERSION,
    APPLICATIONS,
    CAM_OF_TEAM,
    COMPENSATION_OF_MODEL,
    DECLINE_REASON,
    DECLINED_APPLICATION,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    FIRST_NAMES,
    LAST_NAMES,
    LEGAL_SUFFIX,
    PARTNERS,
    REP,
    SECTORS,
    STACKS,
    STAFF,
    TEAM_OF_MODEL,
    TEAMS,
    TIERS,
    DemoPartner,
)
from .models import (
    Agreement,
    Application,
    CompensationPreference,
    Office,
    Partner,
    PartnerMembership,
    Qualification,
    Tier,
    TierRequirement,
)
from .recruitment import services as recruitment_services


class DemoSeeder:
    def __init__(self, stdout):
        self.stdout = stdout
        self.password_hash = make_password(DEMO_PASSWORD)
        self.today = timezone.localdate()
        self.created = {"users": 0, "partners": 0, "applications": 0}

    def run(self) -> None:
        with transaction.atomic():
            teams = self.seed_teams_and_staff()
            tiers = self.seed_tiers()
            self.seed_agreement()
            for spec in PARTNERS:
                self.seed_partner(spec, teams, tiers)
            self.seed_applications()
        self.stdout.write(
            "Partners: {partners} new partners, {users} new people, {applications} new "
            "applications.".format(**self.created)
        )
        self.stdout.write(
            f"Staff accounts (ops@, admin@, cam@, cam2@, cam3@demo.example) ask for a code after "
            f"the password: add the secret {DEMO_TOTP_SECRET} to an authenticator app"
            + (
                f", or type {settings.MFA_TOTP_INSECURE_BYPASS_CODE} (embedded default only)."
                if getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None)
                else "."
            )
        )

    # People --------------------------------------------------------------------------------

    def enrol_staff_mfa(self, user: User) -> None:
        """Staff must use MFA: the demo's have an authenticator app with one published secret
        (README, demo accounts), so a reviewer can add it to any authenticator app."""
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)

    def user(self, email: str, full_name: str, **extra) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name, "password": self.password_hash, **extra}
        )
        if created:
            self.created["users"] += 1
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        return user

    def staff(self, email: str) -> User:
        return User.objects.get(email=email)

    def seed_teams_and_staff(self) -> dict[str, ChannelTeam]:
        teams = {}
        for name, segment, _lead in TEAMS:
            teams[name], _ = ChannelTeam.objects.get_or_create(
                name=name,
                defaults={
                    "segment": segment,
                    "business_models": [
                        str(model) for model, team in TEAM_OF_MODEL.items() if team == name
                    ],
                },
            )
        for email, full_name, role, team in STAFF:
            is_admin = role == User.InternalRole.ADMIN
            staff = self.user(
                email,
                full_name,
                internal_role=role,
                team=teams.get(team),
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            self.enrol_staff_mfa(staff)
        for name, _segment, lead in TEAMS:
            if teams[name].lead_id is None:
                teams[name].lead = self.staff(lead)
                teams[name].save(update_fields=["lead"])
        return teams

    # Program configuration -----------------------------------------------------------------

    def seed_tiers(self) -> dict[int, Tier]:
        tiers = {}
        for spec in TIERS:
            tier, created = Tier.objects.get_or_create(
                rank=spec["rank"],
                defaults={
                    key: spec[key]
                    for key in (
                        "name",
                        "description",
                        "benefits",
                        "mdf_accrual_rate",
                        "commission_multiplier",
                    )
                },
            )
            for position, (metric, threshold, weight) in enumerate(spec["requirements"]):
                TierRequirement.objects.get_or_create(
                    tier=tier,
                    metric=metric,
                    defaults={"threshold": threshold, "weight": weight, "position": position},
                )
            tiers[tier.rank] = tier
        return tiers

    def seed_agreement(self) -> Agreement:
        agreement, _ = Agreement.objects.get_or_create(
            version=AGREEMENT_VERSION,
            defaults={
                "title": AGREEMENT_TITLE,
                "body": AGREEMENT_BODY,
                "effective_at": timezone.now() - dt.timedelta(days=400),
            },
        )
        return agreement

    # Partners --------------------------------------------------------------------------------

    def seed_partner(self, spec: DemoPartner, teams, tiers) -> Partner:
        partner = Partner.objects.filter(display_name=spec.name).first()
        if partner is not None:
            return partner
        rng = random.Random(spec.name)
        team_name = TEAM_OF_MODEL[spec.model]
        cam = self.staff(spec.cam or CAM_OF_TEAM[team_name])
        ops = self.staff("ops@demo.example")
        domain = spec.domain or _domain_for(spec.name)
        since = self.today - dt.timedelta(days=rng.randint(120, 1400))
        partner = Partner.objects.create(
            legal_name=_legal_name(spec),
            display_name=spec.name,
            website=f"https://www.{domain}",
            domains=[domain],
            hq_country=spec.country,
            regions_served=list(spec.regions),
            business_model=spec.model,
            compensation_preference=COMPENSATION_OF_MODEL.get(
                spec.model, CompensationPreference.RESALE_MARGIN
            ),
            parent_distributor=(
                Partner.objects.get(display_name=spec.distributor) if spec.distributor else None
            ),
            channel_manager=cam,
            team=teams[team_name],
            target_sectors=list(spec.sectors) or rng.sample(SECTORS, 2),
            solution_stack=list(spec.stack) or rng.sample(STACKS, 3),
            created_at=_at(since),
        )
        self.created["partners"] += 1
        offices = self.seed_offices(partner, spec)
        admin = self.seed_people(partner, spec, offices, rng, domain, since)
        services.change_partner_status(
            partner=partner,
            actor=ops,
            to=Partner.Status.ONBOARDING,
            reason="Application approved after Scale, Skill and Will review.",
            rule="application.approved",
        )
        self.seed_qualifications(partner, cam, spec, rng)
        self.seed_tier_history(partner, spec, tiers, ops, since)
        if spec.status in (Partner.Status.ACTIVE, Partner.Status.SUSPENDED):
            services.accept_agreement(partner=partner, actor=admin)
            Partner.objects.filter(pk=partner.pk).update(
                activated_at=_at(since + dt.timedelta(days=21))
            )
        if spec.status == Partner.Status.SUSPENDED:
            services.change_partner_status(
                partner=partner,
                actor=ops,
                to=Partner.Status.SUSPENDED,
                reason=spec.suspension_reason,
            )
        return partner

    def seed_offices(self, partner: Partner, spec: DemoPartner) -> list[Office]:
        offices = [
            Office.objects.create(
                partner=partner,
                name="Headquarters",
                city=spec.city,
                country=spec.country,
                region=spec.regions[0],
            )
        ]
        for city, country, region in spec.extra_offices:
            offices.append(
                Office.objects.create(
                    partner=partner, name=city, city=city, country=country, region=region
                )
            )
        return offices

    def seed_people(self, partner, spec: DemoPartner, offices, rng, domain, since) -> User:
        people = list(spec.people)
        if not people:
            count = rng.randint(2, 5)
            names = []
            while len(names) < count:
                name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
                if name not in names:
                    names.append(name)
            people = [
                (
                    f"{first}.{last.replace(' ', '')}@{domain}".lower(),
                    f"{first} {last}",
                    ADMIN if index == 0 else REP,
                )
                for index, (first, last) in enumerate(names)
            ]
        admin = None
        for index, (email, full_name, role) in enumerate(people):
            user = self.user(email, full_name)
            PartnerMembership.objects.get_or_create(
                user=user,
                partner=partner,
                defaults={
                    "role": role,
                    "office": offices[index % len(offices)],
                    "created_at": _at(since + dt.timedelta(days=14 + 45 * index)),
                },
            )
            if role == ADMIN and admin is None:
                admin = user
        return admin

    def seed_qualifications(self, partner, cam, spec: DemoPartner, rng) -> None:
        # Higher tiers were, on the whole, stronger on all three dimensions.
        base = (spec.tier or 1) + 1
        for months_ago in (9, 2) if spec.tier and spec.tier >= 2 else (2,):
            qualification = recruitment_services.qualify_partner(
                partner=partner,
                actor=cam,
                scale=_clamp(base + rng.randint(-1, 1)),
                skill=_clamp(base + rng.randint(-2, 1)),
                will=_clamp(base + rng.randint(-1, 1)),
                willingness_to_engage=_clamp(base + rng.randint(-1, 1)),
                opp_traits=rng.sample(Qualification.OppTrait.values, rng.randint(1, 4)),
                scale_notes=f"About {rng.randint(20, 900)} active customers.",
                skill_notes=f"{rng.randint(1, 40)} engineers; certifications in progress.",
                will_notes="Executive sponsor joins the quarterly business review.",
            )
            Qualification.objects.filter(pk=qualification.pk).update(
                assessed_at=timezone.now() - dt.timedelta(days=30 * months_ago)
            )

    def seed_tier_history(self, partner, spec: DemoPartner, tiers, ops, since) -> None:
        if not spec.tier:
            return
        span = max((self.today - since).days, spec.tier)
        for rank in range(1, spec.tier + 1):
            effective = since + dt.timedelta(days=span * (rank - 1) // spec.tier)
            services.set_partner_tier(
                partner=partner,
                tier=tiers[rank],
                actor=ops,
                reason=(
                    "Starting tier"
                    if rank == 1
                    else "Quarterly tier review: certification and revenue requirements met."
                ),
                effective_from=effective,
                rule="tier_review" if rank > 1 else "",
            )

    # Applications ----------------------------------------------------------------------------

    def seed_applications(self) -> None:
        for days_ago, data in zip(range(len(APPLICATIONS) + 1, 1, -1), APPLICATIONS, strict=True):
            if not Application.objects.filter(partner__display_name=data["display_name"]).exists():
                application = recruitment_services.submit_application(**data)
                # Spread over the last days so the queue shows its first-come order.
                submitted = timezone.now() - dt.timedelta(days=days_ago, hours=3 * days_ago)
                Application.objects.filter(pk=application.pk).update(submitted_at=submitted)
                Partner.objects.filter(pk=application.partner_id).update(created_at=submitted)
                self.created["applications"] += 1
        name = DECLINED_APPLICATION["display_name"]
        if not Application.objects.filter(partner__display_name=name).exists():
            application = recruitment_services.submit_application(**DECLINED_APPLICATION)
            recruitment_services.decline_application(
                application=application, actor=self.staff("ops@demo.example"), reason=DECLINE_REASON
            )
            self.created["applications"] += 1


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))


def _clamp(score: int) -> int:
    return max(1, min(5, score))


def _domain_for(name: str) -> str:
    words = [w for w in name.lower().replace("&", " ").split() if w.isalnum()]
    return "".join(words[:2]) + ".example"


def _legal_name(spec: DemoPartner) -> str:
    return f"{spec.name} {LEGAL_SUFFIX.get(spec.country, 'Ltd')}"


def seed(*, stdout) -> None:
    """The partners part of the demo: run first, other apps' seeders build on it."""
    DemoSeeder(stdout).run()
