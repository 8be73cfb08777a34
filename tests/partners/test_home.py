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
