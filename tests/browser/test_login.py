import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_and_ops_each_see_their_own_home_page(login, acme_admin, ops):
    page = login(acme_admin)
    assert page.locator("[data-testid=home-partner]").inner_text() == "Acme"
    assert page.locator("[data-testid=whoami]").inner_text() == "Ada Admin"

    page = login(ops)
    assert page.locator("[data-testid=home-ops]").inner_text() == "Program overview"
    assert page.locator("[data-testid=whoami]").inner_text() == "Oscar Ops"


def test_on_a_phone_the_menu_folds_behind_one_button(login, acme_admin):
    page = login(acme_admin)
    page.set_viewport_size({"width": 390, "height": 844})
    nav = page.locator("nav.mainnav")
    toggle = page.locator("[data-testid=menu-toggle]")
    assert nav.is_hidden() and toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    # The page's own heading starts right under the brand.
    assert page.locator("main h1, main h2").first.bounding_box()["y"] < 120

    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("[data-testid=whoami]").is_visible()
    # A menu of the bar opens on a tap, and its entries lead where they say.
    group = nav.locator(".navgroup").first
    group.locator(".navtoggle").click()
    entry = group.locator(".navmenu a").first
    target = entry.get_attribute("href")
    entry.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(target)
    assert page.locator("nav.mainnav").is_hidden()

    # The team table keeps each member's actions on screen (office and joined day give way).
    page.goto("/partners/mine/")
    edit = page.locator("[data-testid=team] a", has_text="Edit").first
    box = edit.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390

    # On a wide screen the menu is always there, without the button.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("nav.mainnav").is_visible()
    assert page.locator("[data-testid=menu-toggle]").is_hidden()
