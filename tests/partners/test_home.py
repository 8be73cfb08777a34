import pytest


@pytest.mark.parametrize(
    ("persona", "marker"),
    [
        ("acme_admin", "home-partner"),
        ("acme_rep", "home-partner"),
        ("distri_admin", "home-partner"),
        ("cam", "home-cam"),
        ("ops", "home-ops"),
    ],
)
def test_each_persona_lands_on_its_home_page(client, personas, persona, marker):
    client.force_login(personas[persona])
    response = client.get("/")
    assert response.status_code == 200
    assert f'data-testid="{marker}"'.encode() in response.content


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_partner_home_shows_only_own_team(client, acme_admin, acme_rep, globex_admin):
    client.force_login(acme_admin)
    body = client.get("/").content.decode()
    assert "rex@acme.example" in body
    assert "gina@globex.example" not in body


def test_navigation_groups_entries_by_area_and_marks_the_current_one(client_for, ops):
    response = client_for(ops).get("/partners/applications/")
    groups = {g["label"]: g for g in response.context["nav_groups"]}
    assert list(groups)[0] == "Home"
    partners = groups["Partners"]
    assert partners["active"] and not groups["Home"]["active"]
    active = [i["label"] for g in groups.values() for i in g["items"] if i["active"]]
    assert active == ["Applications"]
    # Menus are named short, so that the bar holds them on one line.
    assert "MDF" in groups and "Marketing development funds" not in groups


def test_partner_users_do_not_get_vendor_entries(client_for, acme_rep):
    response = client_for(acme_rep).get("/")
    labels = {str(i["label"]) for g in response.context["nav_groups"] for i in g["items"]}
    assert "My organisation" in labels
    assert not labels & {"Applications", "Review queue", "Partners"}
