"""Program ops' overview: the program's figures and work queues by area, and recent jobs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from deals.commissions.selectors import pending_overrides, statements_visible_to
from deals.leads.selectors import leads_visible_to
from deals.models import CommissionRun, DealImport, DealRegistration, Lead, Statement
from deals.selectors import deals_visible_to, pending_extensions
from enablement.models import CertificationImport
from mdf.claims.selectors import claim_queue, payable_requests
from mdf.models import MdfSettings
from mdf.requests.selectors import decision_queue
from partners.models import Partner
from partners.recruitment.selectors import applications_waiting
from partners.selectors import partners_visible_to
from prm.audit import events_for
from prm.models import User
from scorecards.models import TierProposal, TierReview
from scorecards.review.selectors import reviews_visible_to, search_proposals

Status = DealRegistration.Status
JOB_LIMIT = 12


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
