"""Who gets internal credit for a partner-sourced won deal, and the report by period.

The rep is, in order: the owner of the vendor's CRM opportunity the deal was matched with
(a conflict with an opportunity, unless ops ruled it was not the same deal; the highest score
wins), else the rep of the customer's country in the territory table, else the rep of the
country's region. A deal nobody covers is listed as unassigned so ops can fix the table.
Amounts are converted to the program currency at each deal's close date (``prm.currency``);
a missing rate raises ``MissingExchangeRate`` naming it rather than skipping the deal.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from prm.currency.conversion import RateTable
from prm.models import User
from prm.money import default_currency, quantize
from prm.periods import FiscalPeriod

from .models import RepTerritory
from .regions import region_of

SOURCE_CRM = _("CRM opportunity owner")
SOURCE_COUNTRY = _("Country territory")
SOURCE_REGION = _("Region territory")


def territories() -> QuerySet[RepTerritory]:
    return RepTerritory.objects.all()


@dataclass(frozen=True)
class Rep:
    email: str
    name: str
    source: str


@dataclass(frozen=True)
class CreditedDeal:
    deal_id: int
    customer: str
    partner: str
    country: str
    closed_on: object
    amount: Decimal
    currency: str
    converted: Decimal  # unrounded, in the program currency
    rep: Rep | None


@dataclass
class RepTotal:
    email: str
    name: str
    deals: int = 0
    total: Decimal = Decimal(0)


@dataclass
class RepCreditReport:
    period: FiscalPeriod
    currency: str
    deals: list[CreditedDeal] = field(default_factory=list)
    totals: list[RepTotal] = field(default_factory=list)
    unassigned: RepTotal | None = None

    @property
    def grand_total(self) -> Decimal:
        assigned = sum((t.total for t in self.totals), Decimal(0))
        return assigned + (self.unassigned.total if self.unassigned else Decimal(0))


class TerritoryBook:
    """The territory table and CRM owners' names, loaded once."""

    def __init__(self, rows, names: dict[str, str]):
        self.by_country = {t.country: t for t in rows if t.country}
        self.by_region = {t.region: t for t in rows if not t.country}
        self.names = names

    @classmethod
    def load(cls, owner_emails) -> "TerritoryBook":
        rows = list(RepTerritory.objects.all())
        names = {
            email.lower(): name
            for email, name in User.objects.filter(email__in=set(owner_emails)).values_list(
                "email", "full_name"
            )
            if name
        }
        names.update({t.rep_email: t.rep_name for t in rows})
        return cls(rows, names)

    def rep_for(self, *, country: str, crm_owner: str = "") -> Rep | None:
        if crm_owner:
            email = crm_owner.lower()
            return Rep(email, self.names.get(email, email), str(SOURCE_CRM))
        territory = self.by_country.get((country or "").upper())
        if territory is not None:
            return Rep(territory.rep_email, territory.rep_name, str(SOURCE_COUNTRY))
        territory = self.by_region.get(region_of(country))
        if territory is not None:
            return Rep(territory.rep_email, territory.rep_name, str(SOURCE_REGION))
        return None


def crm_owners(deal_ids) -> dict[int, str]:
    """The CRM opportunity owner linked to each deal, where one is."""
    from deals.models import DealConflict

    owners: dict[int, str] = {}
    rows = (
        DealConflict.objects.filter(
            registration_id__in=deal_ids, existing_opportunity__isnull=False
        )
        .exclude(resolution=DealConflict.Resolution.NOT_A_CONFLICT)
        .exclude(existing_opportunity__owner_email="")
        .order_by("registration_id", "-score", "id")
        .values_list("registration_id", "existing_opportunity__owner_email")
    )
    for deal_id, email in rows:
        owners.setdefault(deal_id, email)
    return owners


def credited_deals_queryset(period: FiscalPeriod):
    from deals.models import DealRegistration

    return DealRegistration.objects.filter(
        status=DealRegistration.Status.WON,
        sourcing=DealRegistration.Sourcing.SOURCED,
        closed_on__gte=period.start,
        closed_on__lte=period.end,
        closed_amount__isnull=False,
    ).order_by("closed_on", "id")


def rep_credit_report(period: FiscalPeriod) -> RepCreditReport:
    """Partner-sourced deals won in ``period``, each with its rep, and totals per rep in the
    program currency (rounded once per rep). Four queries whatever the number of deals."""
    rows = list(
        credited_deals_queryset(period).values_list(
            "pk", "customer_name", "partner__display_name", "country", "closed_on",
            "closed_amount", "currency",
        )
    )  # fmt: skip
    owners = crm_owners([row[0] for row in rows])
    book = TerritoryBook.load(owners.values())
    table = RateTable.load({row[6] for row in rows}, until=period.end)
    report = RepCreditReport(period=period, currency=default_currency())
    totals: dict[str, RepTotal] = {}
    unassigned = RepTotal(email="", name=str(_("Unassigned")))
    for pk, customer, partner, country, closed_on, amount, currency in rows:
        rep = book.rep_for(country=country, crm_owner=owners.get(pk, ""))
        converted = table.convert(amount, currency, closed_on)
        report.deals.append(
            CreditedDeal(
                pk, customer, partner, country, closed_on, amount, currency, converted, rep
            )  # fmt: skip
        )
        bucket = unassigned if rep is None else totals.setdefault(
            rep.email, RepTotal(email=rep.email, name=rep.name)
        )  # fmt: skip
        bucket.deals += 1
        bucket.total += converted
    for bucket in [*totals.values(), unassigned]:
        bucket.total = quantize(bucket.total)
    report.totals = sorted(totals.values(), key=lambda t: (-t.total, t.email))
    report.unassigned = unassigned if unassigned.deals else None
    return report
