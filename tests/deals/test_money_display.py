"""Amounts on deal pages read as money in their own currency: the currency code, thousands
separators and the currency's minor unit (none for yen)."""

import pytest
from django.urls import reverse

from deals import services

from .factories import registration_kwargs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [("usd", "48000.00", "USD 48,000.00"), ("jpy", "1250000", "JPY 1,250,000")],
)
def test_lists_and_pages_show_the_amount_in_its_currency(
    client_for, acme, acme_rep, cam, currency, amount, shown
):
    registration = services.create_registration(
        actor=acme_rep,
        partner=acme,
        **registration_kwargs(currency=currency, estimated_amount=amount),
    )
    for user, url in [
        (acme_rep, registration.get_absolute_url()),
        (acme_rep, reverse("deals:deal_list")),
        (cam, reverse("deals:review_queue")),
    ]:
        page = client_for(user).get(url).content.decode()
        assert shown in page, url
        assert f"{shown}.00" not in page, url
