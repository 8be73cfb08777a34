import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_and_ops_each_see_their_own_home_page(login, acme_admin, ops):
    page = login(acme_admin)
    assert page.locator("[data-testid=home-partner]").inner_text() == "Acme"
    assert page.locator("[data-testid=whoami]").inner_text() == "Ada Admin"

    page = login(ops)
    assert page.locator("[data-testid=home-ops]").inner_text() == "Program overview"
    assert page.locator("[data-testid=whoami]").inner_text() == "Oscar Ops"
