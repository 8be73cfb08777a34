"""Demo deal registrations: about 150 across the demo partners, in every status.

Every registration goes through the services (so conflicts, the audit trail and notifications are
real), then its history is moved back in time by the plan's age, so the aging report, the SLA
report and the timelines look like a program that has been running for months. The partner's CRM
reference ``DEMO-<n>`` is the natural key: running the seeder again creates nothing new.

Special cases a visitor should find: a conflicting pair (Northwind holds Initech; BluePeak
registers it too), registrations past their decision time, protection about to expire, pending
and granted extensions, and won and lost outcomes.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from partners.models import BusinessModel, Partner, PartnerMembership
from prm.models import AuditEvent, User
from prm.money import quantize

from . import services
from .exceptions import AccountAlreadyProtected, UnresolvedConflicts
from .models import DealProgramSettings, DealRegistration, ExtensionRequest
from .sla import add_business_days

Status = DealRegistration.Status

# Distinct first words, short second words: no two demo customers look alike to the
# conflict check, except the pair that is meant to.
_STEM_WORDS = """
Arbor Beacon Cobalt Dunmore Ember Fairhaven Granite Halcyon Ironwood Juniper Kestrel
Lumen Meridian Northgate Oakridge Pinnacle Quarry Redwood Silverline Tidewater Umber Vantage
Westbrook Yardley Zephyr Ashford Brightwater Castell Driftwood Evergreen Foxglove Glenmore
Harbor Inverness Jasper Kingsley Lakeshore Marlowe Newhaven Orchard Pemberton Quinton Ravenwood
Stonebridge Thornbury Upland Valemont Whitcombe Alder Bramble Cedarline Dovetail Elmstead
Fernhill Goldcrest Hollybush Ivybridge Kettering Larchmont Millbrook Norwood Oldfield Primrose
Rosewood Saffron Tamarind Verity Wexford Amberly Birchfield Claymore Dawnridge Eastlake Fallon
Greystone Hawthorne Ingram Kilbride Linden Moorland Nettleton Osprey Parkhurst Rutherford
Sterling Tolland Vickers Woodhaven Aspen Blackmoor Coppervale Delmont Easton Falkirk Garnet
Hillcrest Iverson Kinross Lockwood Maplehurst Northwick Ormond Prescott Riverton Sandpiper
Trenton Waverly Abbotsford Bellmont Carrington Dalton Eldridge Farrow Gladstone Hartwell
Keswick Langford Montrose Nightingale Overton Penrose Radcliffe Sheffield Templeton Vanbrugh
Winslow Ardent Bexley Crestview Denholm Elkhorn Fieldstone Glenwood Holloway Kenmore Lyndhurst
Mayfair Northam Oxbow Peregrine Ridgeway Southwold Truro Wickham Ambrose Brackley Cheviot
Dunstan Everly Fenwick Grafton Harlow Kendal Loxley Mercer Norbury"""
STEMS = tuple(_STEM_WORDS.split())
SECTORS = [
    ("Labs", "Software"),
    ("Foods", "Food and beverage"),
    ("Bank", "Financial services"),
    ("Air", "Aviation"),
    ("Care", "Healthcare"),
    ("Motors", "Automotive"),
    ("Power", "Energy"),
    ("Retail", "Retail"),
    ("Build", "Construction"),
    ("Media", "Media"),
    ("Farms", "Agriculture"),
    ("Ship", "Logistics"),
]
PRODUCTS = ["Platform", "Analytics", "Security", "Support", "Integration"]
COUNTRY_OF_PARTNER_DEFAULT = "US"

REJECTION_REASONS = [
    "The customer is a named account of our enterprise team.",
    "Not enough detail on the opportunity: no contact or timeline.",
    "The customer already bought this product line from us directly.",
    "The account is in a region this partner does not serve.",
]
MORE_INFO_QUESTIONS = [
    "Which business unit is buying, and who signs?",
    "Please add the customer contact and the expected timeline.",
    "Is this a new project or the renewal of an existing licence?",
]
LOST_REASONS = [
    "The customer chose a competitor on price.",
    "Budget frozen until next fiscal year.",
    "The project was cancelled after a reorganisation.",
]
WITHDRAW_REASONS = ["Registered twice by mistake.", "The customer postponed indefinitely."]

# How many registrations of each kind; ages are days since first registration.
PLAN = [
    ("draft", 8),
    ("submitted", 20),
    ("breached", 3),
    ("more_info", 8),
    ("approved", 34),
    ("expiring", 3),
    ("extension_pending", 2),
    ("extended", 2),
    ("rejected", 12),
    ("won", 26),
    ("lost", 14),
    ("expired", 10),
    ("withdrawn", 6),
]


@dataclass
class Spec:
    number: int
    kind: str
    partner: Partner
    customer: str
    domain: str
    industry: str
    age: float  # days since first registered


def seed(*, stdout) -> None:
    with transaction.atomic():
        seeder = DealSeeder()
        created = seeder.run()
        expired = services.expire_registrations()
        reminded = services.send_expiry_reminders()
        sla = services.process_sla()
    stdout.write(
        f"Deals: {created} new registrations ({expired} expired tonight, {reminded} expiry "
        f"reminders, {sla['escalated']} overdue decisions escalated)."
    )


class DealSeeder:
    def __init__(self):
        self.rng = random.Random("deal-registrations")
        self.program = DealProgramSettings.current()
        self.ops = User.objects.filter(internal_role=User.InternalRole.PROGRAM_OPS).first()
        self.partners = list(
            Partner.objects.filter(status=Partner.Status.ACTIVE, memberships__isnull=False)
            .exclude(business_model=BusinessModel.DISTRIBUTOR)
            .select_related("channel_manager", "parent_distributor")
            .distinct()
            .order_by("display_name")
        )
        self.members = self._members()
        self.created = 0

    def run(self) -> int:
        if not self.partners or self.ops is None:
            return 0
        for spec in self.specs():
            self.seed_one(spec)
        self.seed_conflicting_pair()
        return self.created

    # The plan ---------------------------------------------------------------------------

    def specs(self) -> list[Spec]:
        """The same list on every run: the generator is seeded and the order is fixed."""
        favourites = [
            p for p in self.partners if p.display_name.startswith(("Northwind", "BluePeak"))
        ]
        pool = favourites * 6 + self.partners
        kinds = [kind for kind, count in PLAN for _ in range(count)]
        self.rng.shuffle(kinds)
        specs = []
        for number, kind in enumerate(kinds):
            stem = STEMS[number % len(STEMS)]
            suffix, industry = SECTORS[number % len(SECTORS)]
            specs.append(
                Spec(
                    number=number,
                    kind=kind,
                    partner=pool[number % len(pool)],
                    customer=f"{stem} {suffix}",
                    domain=f"{stem.lower()}{suffix.lower()}.com",
                    industry=industry,
                    age=self._age(kind),
                )
            )
        return specs

    def _age(self, kind: str) -> float:
        r = self.rng
        return {
            "draft": r.uniform(0, 10),
            "submitted": r.uniform(0.05, 1.2),
            "breached": r.uniform(4.5, 6),
            "more_info": r.uniform(8, 45),
            "approved": r.uniform(2, 70),
            "expiring": r.uniform(79, 82),
            "extension_pending": r.uniform(80, 84),
            "extended": r.uniform(95, 105),
            "rejected": r.uniform(3, 60),
            "won": r.uniform(40, 300),
            "lost": r.uniform(30, 250),
            "expired": r.uniform(95, 160),
            "withdrawn": r.uniform(2, 40),
        }[kind]

    # One registration -------------------------------------------------------------------

    def seed_one(self, spec: Spec) -> None:
        ref = f"DEMO-{spec.number:04d}"
        if DealRegistration.objects.filter(partner=spec.partner, external_ref=ref).exists():
            return
        actor = self._registering_user(spec.partner)
        since = timezone.now()
        registration = services.create_registration(
            actor=actor,
            partner=spec.partner,
            customer_name=spec.customer,
            customer_domain=spec.domain,
            contact_name=self._contact_name(),
            contact_email=f"buyer@{spec.domain}",
            country=self._country(spec.partner),
            industry=spec.industry,
            product_lines=self.rng.sample(PRODUCTS, k=self.rng.randint(1, 3)),
            estimated_amount=str(self.rng.randrange(8, 400) * 1000),
            currency="USD" if spec.partner.hq_country in ("US", "CA") else "EUR",
            expected_close_date=timezone.localdate() + dt.timedelta(days=self.rng.randint(20, 150)),
            sourcing=self.rng.choice(DealRegistration.Sourcing.values),
            engagement=self.rng.choice(DealRegistration.Engagement.values),
            external_ref=ref,
            submit=spec.kind != "draft",
        )
        self.created += 1
        self._backdate(registration, since=since, days=spec.age)
        self.advance(registration, spec)

    def advance(self, registration: DealRegistration, spec: Spec) -> None:
        """Take the registration from submitted to the plan's status, each step dated."""
        kind, r = spec.kind, self.rng
        if kind in ("draft", "submitted", "breached"):
            return
        decider = self._decider(spec.partner)
        user = registration.registered_by
        # Days ago the manager answered: mostly within the SLA, now and then late.
        answered = spec.age - (r.uniform(3, 5) if r.random() < 0.15 else r.uniform(0.2, 1.6))
        if kind == "more_info":
            self._step(
                registration,
                answered,
                lambda: services.request_more_info(
                    registration=registration, actor=decider, reason=r.choice(MORE_INFO_QUESTIONS)
                ),
            )
            return
        if kind == "withdrawn":
            self._step(
                registration,
                answered,
                lambda: services.withdraw_registration(
                    registration=registration, actor=user, reason=r.choice(WITHDRAW_REASONS)
                ),
            )
            return
        if kind == "rejected":
            self._step(
                registration,
                answered,
                lambda: services.reject_registration(
                    registration=registration, actor=decider, reason=r.choice(REJECTION_REASONS)
                ),
            )
            return
        try:
            self._step(
                registration,
                answered,
                lambda: services.approve_registration(
                    registration=registration, actor=decider, reason="Clean account, go ahead."
                ),
            )
        except (UnresolvedConflicts, AccountAlreadyProtected):
            return  # it resembles another demo account: the reviewer will see it in the queue
        self.after_approval(registration, spec, decider, user)

    def after_approval(self, registration, spec: Spec, decider: User, user: User) -> None:
        kind, r = spec.kind, self.rng
        if kind in ("extension_pending", "extended"):
            asked = max(spec.age - 80, 0.5)
            self._step(
                registration,
                asked,
                lambda: services.request_extension(
                    registration=registration,
                    actor=user,
                    reason="The customer's board approves the budget next month.",
                ),
            )
            if kind == "extended":
                extension = registration.extension_requests.get(status="pending")
                self._step(
                    registration,
                    asked - 1,
                    lambda: services.decide_extension(
                        extension=extension, actor=decider, approve=True, reason="Fair request."
                    ),
                )
        elif kind in ("won", "lost"):
            closed = spec.age - r.uniform(15, min(80, spec.age - 5))
            closed_on = (timezone.now() - dt.timedelta(days=closed)).date()
            amount = quantize(
                registration.estimated_amount * Decimal(r.choice(["1", "0.9", "1.15"]))
            )
            self._step(
                registration,
                closed,
                lambda: services.record_outcome(
                    registration=registration,
                    actor=user,
                    outcome=kind,
                    closed_amount=amount if kind == "won" else None,
                    closed_on=closed_on if kind == "won" else None,
                    closed_products=registration.product_lines,
                    discount_amount=quantize(amount / 10) if kind == "won" else None,
                    cost_amount=quantize(amount * 3 / 10) if kind == "won" else None,
                    lost_reason=r.choice(LOST_REASONS) if kind == "lost" else "",
                ),
            )

    def seed_conflicting_pair(self) -> None:
        """Northwind holds Initech; BluePeak registers it again and waits for the CAM."""
        by_name = {p.display_name: p for p in self.partners}
        holder, claimant = by_name.get("Northwind Systems"), by_name.get("BluePeak Managed IT")
        if holder is None or claimant is None:
            return
        for partner, ref, age, approve in (
            (holder, "DEMO-INITECH-1", 21.0, True),
            (claimant, "DEMO-INITECH-2", 0.3, False),
        ):
            if DealRegistration.objects.filter(partner=partner, external_ref=ref).exists():
                continue
            since = timezone.now()
            registration = services.create_registration(
                actor=self._registering_user(partner),
                partner=partner,
                customer_name="Initech Inc.",
                customer_domain="www.initech.com",
                contact_name="Bill Lumbergh",
                contact_email="bill.lumbergh@initech.com",
                country="US",
                industry="Software",
                product_lines=["Platform", "Security"],
                estimated_amount="120000",
                currency="USD",
                expected_close_date=timezone.localdate() + dt.timedelta(days=75),
                external_ref=ref,
            )
            self.created += 1
            self._backdate(registration, since=since, days=age)
            if approve:
                decider = self._decider(partner)
                self._step(
                    registration,
                    age - 1,
                    lambda r=registration, d=decider: services.approve_registration(
                        registration=r, actor=d, reason="First registered."
                    ),
                )

    # Time travel for demo history -------------------------------------------------------

    def _step(self, registration: DealRegistration, days_ago: float, action) -> None:
        since = timezone.now()
        action()
        self._backdate(registration, since=since, days=max(days_ago, 0))

    def _backdate(self, registration: DealRegistration, *, since: dt.datetime, days: float):
        """Move what happened to the registration since ``since`` back by ``days``: its dates,
        its extension requests and its audit events (demo data only)."""
        delta = dt.timedelta(days=days)
        fresh = DealRegistration.objects.get(pk=registration.pk)
        changes = {
            field.name: value - delta
            for field in DealRegistration._meta.fields
            if isinstance(field, models.DateTimeField)
            and field.name != "updated_at"
            and (value := getattr(fresh, field.name)) is not None
            and value >= since
        }
        if "submitted_at" in changes:
            changes["sla_due_at"] = add_business_days(
                changes["submitted_at"], self.program.approval_sla_business_days
            )
        DealRegistration.objects.filter(pk=fresh.pk).update(**changes)
        extension_ids = list(fresh.extension_requests.values_list("pk", flat=True))
        for name in ("requested_at", "decided_at", "new_protected_until"):
            ExtensionRequest.objects.filter(pk__in=extension_ids, **{f"{name}__gte": since}).update(
                **{name: F(name) - delta}
            )
        AuditEvent.objects.filter(
            Q(object_id=str(fresh.pk), content_type__model="dealregistration")
            | Q(
                object_id__in=[str(pk) for pk in extension_ids],
                content_type__model="extensionrequest",
            ),
            content_type__app_label="deals",
            created_at__gte=since,
        ).update(created_at=F("created_at") - delta)
        registration.refresh_from_db()

    # People -----------------------------------------------------------------------------

    def _members(self) -> dict[int, list[User]]:
        members: dict[int, list[User]] = {}
        for membership in PartnerMembership.objects.select_related("user").order_by(
            "partner_id", "-role", "user__email"
        ):
            members.setdefault(membership.partner_id, []).append(membership.user)
        return members

    def _registering_user(self, partner: Partner) -> User:
        """Mostly the partner's own people; sometimes its distributor's admin (two-tier)."""
        distributor = partner.parent_distributor
        if distributor is not None and self.rng.random() < 0.2:
            admins = PartnerMembership.objects.filter(
                partner=distributor, role=PartnerMembership.Role.ADMIN
            ).select_related("user")
            admin = admins.order_by("user__email").first()
            if admin is not None:
                return admin.user
        return self.rng.choice(self.members[partner.pk])

    def _decider(self, partner: Partner) -> User:
        return partner.channel_manager or self.ops

    def _contact_name(self) -> str:
        first = self.rng.choice(["Alex", "Sam", "Maria", "Jon", "Priya", "Lena", "Tom", "Aiko"])
        last = self.rng.choice(["Garcia", "Nguyen", "Schmidt", "Okoye", "Larsen", "Rossi"])
        return f"{first} {last}"

    @staticmethod
    def _country(partner: Partner) -> str:
        return partner.hq_country or COUNTRY_OF_PARTNER_DEFAULT
