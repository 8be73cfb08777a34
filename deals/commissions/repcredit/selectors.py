"""Who gets internal credit for a partner-sourced won deal, and the report by period.

The rep is, in order: the owner of the vendor's CRM opportunity the deal was matched with
(a conflict with an opportunity, unless ops ruled it was not the same deal; the highest score
wins), else the rep of the customer's country in the territory table, else the rep of the
country's region. A deal nobody covers is listed as unassigned so ops can fix the table.
Amounts are converted to the program currency at each deal's close date (``prm.currency``);
a missing rate raises ``MissingExchangeRate`` naming it rather than skipping the deal.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
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
    deals: "CreditedDeals"
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


def _credited(period: FiscalPeriod, path: str = "") -> Q:
    """Partner-sourced deals won in ``period`` with an amount (reached through ``path``)."""
    from deals.models import DealRegistration

    return Q(
        **{
            f"{path}status": DealRegistration.Status.WON,
            f"{path}sourcing": DealRegistration.Sourcing.SOURCED,
            f"{path}closed_on__gte": period.start,
            f"{path}closed_on__lte": period.end,
            f"{path}closed_amount__isnull": False,
        }
    )


def credited_deals_queryset(period: FiscalPeriod):
    from deals.models import DealRegistration

    return DealRegistration.objects.filter(_credited(period)).order_by("closed_on", "id")


def _crediting_matches():
    """Conflicts that credit a CRM opportunity's owner: with an opportunity that has an owner,
    and not ruled "not the same deal" by ops."""
    from deals.models import DealConflict

    return (
        DealConflict.objects.filter(existing_opportunity__isnull=False)
        .exclude(resolution=DealConflict.Resolution.NOT_A_CONFLICT)
        .exclude(existing_opportunity__owner_email="")
    )


def _crm_owner() -> Coalesce:
    """The owner of the CRM opportunity each deal was matched with (the highest score wins),
    "" for none: a subquery per deal, for a page of deals."""
    owners = (
        _crediting_matches()
        .filter(registration=OuterRef("pk"))
        .order_by("-score", "id")
        .values("existing_opportunity__owner_email")[:1]
    )
    return Coalesce(Subquery(owners), Value(""))


def _owner_groups(period: FiscalPeriod) -> list[tuple]:
    """(CRM owner, country, currency, close day, deals, amount) of the deals credited to a
    CRM owner: one winning match per deal, the highest score (then the first recorded)."""
    matches = _crediting_matches()
    better = matches.filter(registration=OuterRef("registration")).filter(
        Q(score__gt=OuterRef("score")) | Q(score=OuterRef("score"), pk__lt=OuterRef("pk"))
    )
    return list(
        matches.filter(_credited(period, "registration__"))
        .filter(~Exists(better))
        .order_by()
        .values_list(
            "existing_opportunity__owner_email", "registration__country",
            "registration__currency", "registration__closed_on",
        )
        .annotate(deals=Count("pk"), amount=Sum("registration__closed_amount"))
    )  # fmt: skip


def _territory_groups(period: FiscalPeriod) -> list[tuple]:
    """("", country, currency, close day, deals, amount) of the other deals, whose rep is the
    territory's."""
    # NOT EXISTS is planned as one anti-join with the matches, not a lookup per deal.
    matched = _crediting_matches().filter(registration=OuterRef("pk"))
    return [
        ("", *row)
        for row in credited_deals_queryset(period)
        .filter(~Exists(matched))
        .order_by()
        .values_list("country", "currency", "closed_on")
        .annotate(deals=Count("pk"), amount=Sum("closed_amount"))
    ]


class CreditedDeals:
    """The report's deals in close-date order, each with its rep, read from the database a
    slice at a time: a page of the report, or a chunk of the CSV export. ``len`` is the count
    the totals were made of, without a query."""

    CHUNK = 2000

    def __init__(self, period: FiscalPeriod, count: int, book: TerritoryBook, table: RateTable):
        self._rows = credited_deals_queryset(period).annotate(crm_owner=_crm_owner())
        self._count = count
        self._book = book
        self._table = table

    def __len__(self) -> int:
        return self._count

    def count(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._read(self._rows[index])
        return self._read(self._rows[index : index + 1])[0]

    def __iter__(self) -> Iterator[CreditedDeal]:
        # Keyset chunks in the report's order, so a long export never reads past an offset.
        rows = self._rows
        while True:
            chunk = self._read(rows[: self.CHUNK])
            yield from chunk
            if len(chunk) < self.CHUNK:
                return
            last = chunk[-1]
            rows = self._rows.filter(
                Q(closed_on__gt=last.closed_on) | Q(closed_on=last.closed_on, pk__gt=last.deal_id)
            )

    def _read(self, rows) -> list[CreditedDeal]:
        return [
            CreditedDeal(
                pk, customer, partner, country, closed_on, amount, currency,
                self._table.convert(amount, currency, closed_on),
                self._book.rep_for(country=country, crm_owner=owner),
            )
            for pk, customer, partner, country, closed_on, amount, currency, owner
            in rows.values_list(
                "pk", "customer_name", "partner__display_name", "country", "closed_on",
                "closed_amount", "currency", "crm_owner",
            )
        ]  # fmt: skip


def rep_credit_report(period: FiscalPeriod) -> RepCreditReport:
    """Partner-sourced deals won in ``period``, each with its rep, and totals per rep in the
    program currency (rounded once per rep).

    The totals come from grouped queries: the won amounts summed per CRM owner (or, for deals
    without one, per customer country), currency and close day, each group converted at its
    day's rate. Every deal of a group has the same rep and rate, so the totals are exactly
    those of converting each deal and adding them up. Four queries (the two groupings, the
    territories, the CRM owners' names) and one for the rates when a deal is in another
    currency, whatever the number of deals; the deals themselves (``report.deals``) are read
    a page at a time."""
    groups = _owner_groups(period) + _territory_groups(period)
    book = TerritoryBook.load({row[0] for row in groups if row[0]})
    table = RateTable.load({row[2] for row in groups}, until=period.end)
    totals: dict[str, RepTotal] = {}
    unassigned = RepTotal(email="", name=str(_("Unassigned")))
    for owner, country, currency, closed_on, deals, amount in groups:
        rep = book.rep_for(country=country, crm_owner=owner)
        bucket = unassigned if rep is None else totals.setdefault(
            rep.email, RepTotal(email=rep.email, name=rep.name)
        )  # fmt: skip
        bucket.deals += deals
        bucket.total += table.convert(amount, currency, closed_on)
    for bucket in [*totals.values(), unassigned]:
        bucket.total = quantize(bucket.total)
    count = sum(row[4] for row in groups)
    return RepCreditReport(
        period=period,
        currency=default_currency(),
        deals=CreditedDeals(period, count, book, table),
        totals=sorted(totals.values(), key=lambda t: (-t.total, t.email)),
        unassigned=unassigned if unassigned.deals else None,
    )
