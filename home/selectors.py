"""What each persona's home page shows, gathered from every app's scoped selectors.

- partner users (rep, partner admin) and distributor admins: their open work, invitations,
  tier standing and resellers; a partner user never sees another partner's rows;
- channel account managers and program ops: the review queue in numbers, conflicts, extension
  requests, partners needing attention, program health and recent jobs.

Counts are single aggregate queries and lists are bounded slices, so a page costs the same
number of queries however many rows there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from deals.commissions.selectors import (
    Owed,
    owed_to_partner,
    pending_overrides,
    statements_visible_to,
)
from deals.conflicts.selectors import conflicts_visible_to
from deals.leads.selectors import leads_visible_to
from deals.models import (
    CommissionRun,
    DealConflict,
    DealImport,
    DealProgramSettings,
    DealRegistration,
    Lead,
    Statement,
)
from deals.selectors import deals_visible_to, pending_extensions, review_queue
from enablement.models import CertificationImport, PersonCertification
from enablement.selectors import person_certifications_visible_to
from mdf.claims.selectors import claim_queue, payable_requests
from mdf.funds.selectors import PartnerBalance, partner_balance
from mdf.models import MdfSettings
from mdf.requests.selectors import decision_queue
from partners.models import Invitation, Partner, Qualification
from partners.recruitment.selectors import applications_waiting
from partners.selectors import open_invitations_for, partner_access, partners_visible_to
from prm.audit import events_for
from prm.models import User
from scorecards.models import TierProposal, TierReview
from scorecards.review.selectors import (
    TierOutlook,
    reviews_visible_to,
    search_proposals,
    tier_outlook,
)

Status = DealRegistration.Status
OPEN_DEAL_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)
# Certifications that lapse within this many days are shown as "expiring" on the home page.
CERTIFICATION_HORIZON_DAYS = 60
LIST_LIMIT = 10
# A channel account manager's partners needing attention: most books fit whole.
ATTENTION_LIMIT = 25


@dataclass
class PartnerHome:
    deals_needing_action: list[DealRegistration]
    open_deal_count: int
    leads_waiting: list[Lead]
    certifications_expiring: list[PersonCertification]
    certifications_until: dt.date | None = None  # the horizon of ``certifications_expiring``
    organisation: bool = False  # the whole organisation's work (an admin), not one person's
    invitations: list[Invitation] = field(default_factory=list)
    outlook: TierOutlook | None = None
    owed: list[Owed] = field(default_factory=list)  # commissions, per currency
    mdf: PartnerBalance | None = None


def deals_needing_action(
    deals: QuerySet[DealRegistration], *, now: dt.datetime
) -> QuerySet[DealRegistration]:
    """Open registrations waiting for the partner: more information requested, or approved with
    protection ending within the program's reminder window (the template tells them apart by
    status)."""
    reminder = dt.timedelta(days=DealProgramSettings.current().expiry_reminder_days)
    more_info = Q(status=Status.MORE_INFO)
    expiring = Q(status=Status.APPROVED, protected_until__lte=now + reminder)
    return deals.filter(more_info | expiring).order_by("status", "protected_until", "pk")


def partner_home(user: User, *, organisation: bool, now: dt.datetime | None = None) -> PartnerHome:
    """A rep's own registrations (``organisation=False``) or the whole partner's (admins)."""
    now = now or timezone.now()
    access = partner_access(user)
    deals = deals_visible_to(user).filter(
        partner_id__in=access.member_of, status__in=OPEN_DEAL_STATUSES
    )
    if not organisation:
        deals = deals.filter(registered_by=user)
    until = now.date() + dt.timedelta(days=CERTIFICATION_HORIZON_DAYS)
    # The organisation's own people: a distributor's admin sees its resellers' certifications
    # on their lists, not as its own work.
    certifications = person_certifications_visible_to(user).filter(
        partner_id__in=access.member_of,
        status__in=PersonCertification.CURRENT,
        expires_on__lte=until,
    )
    if not organisation:
        certifications = certifications.filter(user=user)
    leads = leads_visible_to(user).filter(
        partner_id__in=access.member_of, status=Lead.Status.OFFERED, accept_by__gt=now
    )
    return PartnerHome(
        deals_needing_action=list(deals_needing_action(deals, now=now)[:LIST_LIMIT]),
        open_deal_count=deals.count(),
        leads_waiting=list(leads.order_by("accept_by", "pk")[:LIST_LIMIT]),
        certifications_expiring=list(certifications.order_by("expires_on", "pk")[:LIST_LIMIT]),
        certifications_until=until,
        organisation=organisation,
    )


def partner_admin_home(user: User, partner: Partner, *, now: dt.datetime | None = None):
    """The organisation's work, pending invitations, tier standing and money (commissions owed,
    marketing funds available) for a partner admin."""
    now = now or timezone.now()
    home = partner_home(user, organisation=True, now=now)
    home.invitations = list(open_invitations_for(partner)[:LIST_LIMIT])
    today = timezone.localdate(now)
    home.outlook = tier_outlook(partner, today=today)
    home.owed = owed_to_partner(partner, today=today)
    home.mdf = partner_balance(partner, today=today)
    return home


def resellers_overview(user: User, *, now: dt.datetime | None = None) -> QuerySet[Partner]:
    """The distributor admin's resellers, each with ``open_deals``, ``pipeline_deals`` (approved,
    protected), ``more_info`` (waiting for the reseller) and ``leads_waiting``: one query."""
    now = now or timezone.now()
    access = partner_access(user)
    return (
        partners_visible_to(user)
        .filter(parent_distributor_id__in=access.distributor_of)
        .annotate(
            open_deals=Count(
                "deal_registrations",
                filter=Q(deal_registrations__status__in=OPEN_DEAL_STATUSES),
                distinct=True,
            ),
            pipeline_deals=Count(
                "deal_registrations",
                filter=Q(deal_registrations__status=Status.APPROVED),
                distinct=True,
            ),
            more_info=Count(
                "deal_registrations",
                filter=Q(deal_registrations__status=Status.MORE_INFO),
                distinct=True,
            ),
            leads_waiting=Count(
                "leads",
                filter=Q(leads__status=Lead.Status.OFFERED, leads__accept_by__gt=now),
                distinct=True,
            ),
        )
        .order_by("display_name", "pk")
    )


def resellers_with_pipeline(user: User, *, now: dt.datetime | None = None) -> list[Partner]:
    """``resellers_overview`` with ``pipeline`` on each reseller: [(currency, amount), ...] of
    its approved (protected) registrations, each currency summed on its own. Two queries."""
    resellers = list(resellers_overview(user, now=now))
    rows = (
        deals_visible_to(user)
        .filter(partner__in=[r.pk for r in resellers], status=Status.APPROVED)
        .order_by()
        .values_list("partner_id", "currency")
        .annotate(total=Sum("estimated_amount"))
        .order_by("partner_id", "currency")
    )
    pipeline: dict[int, list[tuple[str, Decimal]]] = {}
    for partner_id, currency, total in rows:
        pipeline.setdefault(partner_id, []).append((currency, total))
    for reseller in resellers:
        reseller.pipeline = pipeline.get(reseller.pk, [])  # type: ignore[attr-defined]
    return resellers


# --- Channel account managers and program ops ---


JOB_LIMIT = 12


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    breached: int
    due_today: int
    on_partner: int


def queue_summary(user: User, *, now: dt.datetime | None = None) -> QueueSummary:
    """The review queue in four numbers: waiting for the vendor, past due, due before the end
    of today, and waiting for the partner's answer (more information requested)."""
    now = now or timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    vendor = Q(status=Status.SUBMITTED)
    counts = (
        review_queue(user)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=vendor),
            breached=Count("pk", filter=vendor & Q(sla_due_at__lt=now)),
            due_today=Count(
                "pk", filter=vendor & Q(sla_due_at__gte=now, sla_due_at__lte=end_of_day)
            ),
            on_partner=Count("pk", filter=Q(status=Status.MORE_INFO)),
        )
    )
    return QueueSummary(**counts)


def open_conflicts(user: User) -> QuerySet[DealConflict]:
    return (
        conflicts_visible_to(user)
        .filter(resolution=DealConflict.Resolution.OPEN)
        .order_by("created_at", "pk")
    )


def conflicts_to_resolve(user: User) -> dict:
    """The first open conflicts in ``user``'s scope and how many there are."""
    conflicts = open_conflicts(user)
    return {"conflicts": list(conflicts[:LIST_LIMIT]), "conflict_count": conflicts.count()}


def partners_needing_attention(user: User, *, now: dt.datetime | None = None) -> QuerySet[Partner]:
    """Active partners in scope with a reason to look: a registration past its decision due
    time, a warning or demotion from the last tier review, or no Scale/Skill/Will assessment.
    Each carries ``breached``, ``tier_warning`` and ``assessed`` (one query)."""
    now = now or timezone.now()
    last_review = TierReview.objects.filter(status=TierReview.Status.DONE).order_by(
        "-period_start"
    )[:1]
    flagged = TierProposal.objects.filter(
        partner=OuterRef("pk"), review__in=last_review, below_requirements=True
    )
    return (
        partners_visible_to(user)
        .filter(status=Partner.Status.ACTIVE)
        .annotate(
            breached=Count(
                "deal_registrations",
                filter=Q(
                    deal_registrations__status=Status.SUBMITTED,
                    deal_registrations__sla_due_at__lt=now,
                ),
            ),
            tier_warning=Exists(flagged),
            assessed=Exists(Qualification.objects.filter(partner=OuterRef("pk"))),
        )
        .filter(Q(breached__gt=0) | Q(tier_warning=True) | Q(assessed=False))
        .order_by("-breached", "-tier_warning", "display_name", "pk")
    )


def cam_home(user: User, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    extensions = pending_extensions(user)
    attention = partners_needing_attention(user, now=now)
    return {
        "queue": queue_summary(user, now=now),
        **conflicts_to_resolve(user),
        "extensions": list(extensions[:LIST_LIMIT]),
        "extension_count": extensions.count(),
        "attention": list(attention[:ATTENTION_LIMIT]),
        "attention_count": attention.count(),
    }


# --- Program ops ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    warn: bool = False
    url: str = ""  # the page where the work it counts is done


@dataclass(frozen=True)
class FigureGroup:
    title: str
    figures: list[Figure]


def _url(name: str, *args, **query: str) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def program_health(
    user: User, *, conflict_count: int, now: dt.datetime | None = None
) -> list[FigureGroup]:
    """The program's figures and work queues by area, each one count of the selector its own
    page lists, and a link to that page. ``conflict_count``: the open conflicts, listed under
    the figures (``conflicts_to_resolve``)."""
    now = now or timezone.now()
    partners = (
        partners_visible_to(user)
        .order_by()
        .aggregate(
            active=Count("pk", filter=Q(status=Partner.Status.ACTIVE)),
            onboarding=Count("pk", filter=Q(status=Partner.Status.ONBOARDING)),
        )
    )
    deals = (
        deals_visible_to(user)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=Q(status=Status.SUBMITTED)),
            breached=Count("pk", filter=Q(status=Status.SUBMITTED, sla_due_at__lt=now)),
            protected=Count("pk", filter=Q(status=Status.APPROVED)),
        )
    )
    statements = dict(
        statements_visible_to(user)
        .filter(status__in=(Statement.Status.DRAFT, Statement.Status.APPROVED))
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [
        FigureGroup(
            _("Partners"),
            [
                Figure(
                    _("Applications waiting"),
                    applications_waiting(user).count(),
                    url=_url("partners:application_list"),
                ),
                Figure(
                    _("Partners onboarding"),
                    partners["onboarding"],
                    url=_url("partners:partner_list", status=Partner.Status.ONBOARDING),
                ),
                Figure(
                    _("Active partners"),
                    partners["active"],
                    url=_url("partners:partner_list", status=Partner.Status.ACTIVE),
                ),
            ],
        ),
        FigureGroup(
            _("Deals and leads"),
            [
                Figure(
                    _("Registrations waiting for a decision"),
                    deals["waiting"],
                    url=_url("deals:review_queue"),
                ),
                Figure(
                    _("Past their decision due time"),
                    deals["breached"],
                    deals["breached"] > 0,
                    url=_url("deals:review_queue", breached="yes"),
                ),
                Figure(_("Open conflicts"), conflict_count, conflict_count > 0, url="#conflicts"),
                Figure(
                    _("Extension requests"),
                    pending_extensions(user).count(),
                    url=_url("deals:extension_queue"),
                ),
                Figure(
                    _("Protected registrations"),
                    deals["protected"],
                    url=_url("deals:deal_list", status=Status.APPROVED),
                ),
                Figure(
                    _("Leads waiting for a partner's answer"),
                    leads_visible_to(user).filter(status=Lead.Status.OFFERED).count(),
                    url=_url("deals:lead_list", status=Lead.Status.OFFERED),
                ),
            ],
        ),
        FigureGroup(
            _("Commissions and MDF"),
            [
                Figure(
                    _("Margin overrides waiting for approval"),
                    pending_overrides().count(),
                    url=_url("deals:commission_override_queue"),
                ),
                Figure(
                    _("Statements to approve"),
                    statements.get(Statement.Status.DRAFT, 0),
                    url=_url("deals:commission_statement_list", status=Statement.Status.DRAFT),
                ),
                Figure(
                    _("Statements approved, not paid yet"),
                    statements.get(Statement.Status.APPROVED, 0),
                    url=_url("deals:commission_statement_list", status=Statement.Status.APPROVED),
                ),
                Figure(
                    _("MDF requests waiting"),
                    decision_queue(user).count(),
                    url=_url("mdf:queue"),
                ),
                Figure(
                    _("MDF claims to review"),
                    claim_queue(user).count(),
                    url=_url("mdf:claim_queue"),
                ),
                Figure(
                    _("MDF claims to pay"), payable_requests(user).count(), url=_url("mdf:payments")
                ),
            ],
        ),
        FigureGroup(_("Tiers"), _tier_figures(user)),
    ]


def _tier_figures(user: User) -> list[Figure]:
    """The latest review's proposals still waiting for ops."""
    review = reviews_visible_to(user).order_by("-period_start").first()
    if review is None:
        return [
            Figure(
                _("Tier proposals waiting for a decision"), 0, url=_url("scorecards:review_list")
            )
        ]
    # Holds keep a partner's tier: only the changes wait for ops.
    pending = dict(
        search_proposals(user, review=review, decision=TierProposal.Decision.PENDING)
        .filter(action__in=[TierProposal.Action.PROMOTE, TierProposal.Action.DEMOTE])
        .order_by()
        .values_list("action")
        .annotate(n=Count("pk"))
    )
    labels = {
        TierProposal.Action.PROMOTE: _("Promotions waiting for a decision (%(quarter)s)"),
        TierProposal.Action.DEMOTE: _("Demotions waiting for a decision (%(quarter)s)"),
    }
    return [
        Figure(
            label % {"quarter": review.quarter},
            pending.get(action, 0),
            url=_url(
                "scorecards:review_detail",
                review.pk,
                decision=TierProposal.Decision.PENDING,
                action=action,
            ),
        )
        for action, label in labels.items()
    ]


@dataclass(frozen=True)
class JobRow:
    kind: str
    label: str
    status: str
    failed: bool
    at: dt.datetime | None
    url: str
    error: str = ""


def recent_jobs(*, limit: int = JOB_LIMIT) -> list[JobRow]:
    """The latest background jobs of every kind, newest first: deal and certification imports,
    commission runs, tier reviews and MDF accruals (recorded as audit rows)."""
    rows: list[JobRow] = []
    for job in DealImport.objects.select_related("partner").order_by("-created_at")[:limit]:
        rows.append(_import_row(job, _("Deal import"), job.created_at, job.get_absolute_url()))
    for cert_job in CertificationImport.objects.order_by("-created_at")[:limit]:
        rows.append(
            _import_row(
                cert_job, _("Certification import"), cert_job.created_at,
                cert_job.get_absolute_url(),
            )
        )  # fmt: skip
    for run in CommissionRun.objects.order_by("-created_at")[:limit]:
        rows.append(
            JobRow(
                _("Commission run"), run.period, run.get_status_display(),
                run.status == CommissionRun.Status.FAILED, run.finished_at or run.created_at,
                reverse("deals:commission_run_detail", args=[run.pk]), run.error,
            )
        )  # fmt: skip
    for review in TierReview.objects.order_by("-created_at")[:limit]:
        rows.append(
            JobRow(
                _("Tier review"), review.quarter, review.get_status_display(),
                review.status == TierReview.Status.FAILED, review.finished_at or review.created_at,
                review.get_absolute_url(), review.error,
            )
        )  # fmt: skip
    for event in events_for(MdfSettings.current()).filter(verb="mdf.accrual_run")[:limit]:
        rows.append(
            JobRow(
                _("MDF accrual"), event.data.get("month", ""), _("Done"), False,
                event.created_at, "",
            )
        )  # fmt: skip
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda row: row.at or epoch, reverse=True)
    return rows[:limit]


def _import_row(job, kind, at, url) -> JobRow:
    # Deal imports name their file ``filename``, certification imports ``file_name``.
    name = getattr(job, "filename", "") or getattr(job, "file_name", "")
    return JobRow(
        kind, name, job.get_status_display(),
        job.status == job.Status.FAILED, job.finished_at or at, url, job.error,
    )  # fmt: skip
