"""The commission and exchange-rate pages are in the navigation of program ops only."""

import pytest
from django.urls import reverse

OPS_ENTRIES = [
    "deals:commission_run_list",
    "deals:commission_statement_list",
    "deals:commission_plan_list",
    "deals:commission_spiff_list",
    "deals:commission_override_queue",
    "deals:rep_credit_report",
    "currency:rate_list",
]


def _links(response) -> set[str]:
    return {item["url"] for group in response.context["nav_groups"] for item in group["items"]}


def test_ops_see_every_entry(ops, client_for):
    links = _links(client_for(ops).get(reverse("home")))
    assert {reverse(name) for name in OPS_ENTRIES} <= links


@pytest.mark.parametrize("persona", ["cam", "acme_admin", "distri_admin"])
def test_others_see_none(personas, persona, client_for):
    links = _links(client_for(personas[persona]).get(reverse("home")))
    assert not {reverse(name) for name in OPS_ENTRIES} & links
