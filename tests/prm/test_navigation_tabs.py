"""The rows of tabs on program ops' pages mark the tab of the page being shown."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _current_tabs(body: str, nav_class: str) -> list[str]:
    nav = re.search(rf'<nav class="actions {nav_class}".*?</nav>', body, re.S).group(0)
    return re.findall(r'<a class="button" href="[^"]+">([^<]+)</a>', nav)


@pytest.mark.parametrize(
    ("url", "nav", "current"),
    [
        ("/deals/commissions/ops/plans/", "commission-ops-nav", ["Plans"]),
        ("/deals/commissions/ops/statements/", "commission-ops-nav", ["Statements"]),
        ("/deals/commissions/ops/spiffs/", "commission-ops-nav", ["Spiffs"]),
        ("/program/", "program-nav", ["Overview"]),
        ("/program/tiers/", "program-nav", ["Tiers"]),
        ("/program/deal-rules/", "program-nav", ["Deal rules"]),
    ],
)
def test_the_current_page_is_the_one_marked_tab(client_for, ops, url, nav, current):
    response = client_for(ops).get(url)
    assert response.status_code == 200
    assert _current_tabs(response.content.decode(), nav) == current
