"""The partner page as vendor staff read it: it leads to everything else about the partner
(where it stands against its tiers, its registrations, commissions, MDF requests and
scorecards, each narrowed to it), and its facts read as words."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _links(body: str) -> list[str]:
    nav = body.split('data-testid="partner-links"', 1)[1].split("</nav>", 1)[0]
    return [part.split('"', 1)[0].replace("&amp;", "&") for part in nav.split('href="')[1:]]


@pytest.mark.parametrize("who", ["cam", "ops"])
def test_vendor_staff_reach_each_page_about_the_partner(client_for, request, acme, who):
    client = client_for(request.getfixturevalue(who))
    links = _links(client.get(acme.get_absolute_url()).content.decode())
    assert links[0] == reverse("enablement:partner_standing", args=[acme.pk])
    for link in links:
        assert client.get(link).status_code == 200, link
        query = parse_qs(urlparse(link).query)
        assert query.get("partner") in (None, [str(acme.pk)], [acme.display_name]), link


def test_partner_side_pages_have_no_such_links(client_for, distri_admin, acme):
    # A distributor sees its reseller Acme's page, without the vendor's links.
    page = client_for(distri_admin).get(acme.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Organisation" in body
    assert 'data-testid="partner-links"' not in body


def test_the_regions_served_read_as_names(client_for, cam, acme):
    acme.regions_served = ["NA", "EMEA"]
    acme.save(update_fields=["regions_served"])
    body = client_for(cam).get(acme.get_absolute_url()).content.decode()
    assert "North America, Europe, Middle East and Africa" in body
