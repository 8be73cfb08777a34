"""What a partner's admins hear about their commissions: a line reversed, a payout recorded.

Both are decisions about the partner's money, so they are essential (always sent): the
in-portal row is written in the caller's transaction, the email queued after it commits."""

from collections.abc import Sequence

from django.urls import reverse

from partners.selectors import admins_of_partners
from prm.notifications import notify

from .models import CommissionLine, Payout


def line_reversed(line: CommissionLine, *, spiffs: Sequence[CommissionLine] = ()) -> None:
    """``spiffs``: the spiff lines earned on ``line``, reversed with it."""
    # Imported here: the selectors read statement totals from ``statements``, which imports this.
    from . import selectors

    statement = selectors.statement_of_line(line)
    url = (
        reverse("deals:commission_statement", args=[statement.pk])
        if statement is not None
        else reverse("deals:commission_lines")
    )
    _tell(line.partner_id, "commission_line_reversed", {"line": line, "spiffs": spiffs}, url)


def payout_recorded(payout: Payout) -> None:
    url = reverse("deals:commission_statement", args=[payout.statement_id])
    # The periods whose lines it paid: a statement approved with a later one is paid with it.
    periods = sorted(set(payout.lines.order_by().values_list("period", flat=True)))
    _tell(payout.partner_id, "commission_paid", {"payout": payout, "periods": periods}, url)


def _tell(partner_id: int, kind: str, context: dict, url: str) -> None:
    notify(
        admins_of_partners([partner_id]).get(partner_id, []),
        kind=kind,
        template=f"deals/email/{kind}",
        context=context,
        url=url,
    )
