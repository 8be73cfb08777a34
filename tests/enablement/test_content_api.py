"""Library endpoints: assets visible by tier and business model, downloads checked and counted."""

import pytest
from rest_framework.test import APIClient

from enablement.content import services as content_services
from enablement.models import Asset, AssetUsage
from partners.api_keys import issue_api_key

from .factories_programs import AssetFactory, pdf_bytes, upload

pytestmark = pytest.mark.django_db
ASSETS = "/api/v1/assets/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def gold_pdf(ops, tiers):
    return content_services.create_asset(
        actor=ops,
        title="Gold kit",
        kind=Asset.Kind.CAMPAIGN,
        upload=upload("Gold kit.pdf", pdf_bytes("Kit")),
        tiers=[tiers[2]],
        published=True,
    )


def test_the_list_shows_what_the_caller_may_see(personas, tiers, gold_pdf):
    everyone = AssetFactory(title="Everyone")
    AssetFactory(title="Draft", published=False)

    def titles(who):
        return {a["title"] for a in session(personas[who]).get(ASSETS).json()["results"]}

    assert titles("acme_rep") == {"Everyone"}
    assert titles("globex_admin") == {"Everyone", "Gold kit"}
    assert titles("ops") == {"Everyone", "Gold kit", "Draft"}
    body = session(personas["globex_admin"]).get(f"{ASSETS}{gold_pdf.pk}/").json()
    assert body["tiers"] == ["Gold"] and body["original_filename"] == "Gold kit.pdf"
    assert body["download_url"] == f"http://testserver{ASSETS}{gold_pdf.pk}/download/"
    assert session(personas["acme_rep"]).get(f"{ASSETS}{gold_pdf.pk}/").status_code == 404
    assert session(personas["acme_rep"]).get(f"{ASSETS}{everyone.pk}/").status_code == 200


def test_the_list_queries_do_not_grow_with_rows(ops, tiers, django_assert_max_num_queries):
    client = session(ops)

    def grow(n):
        for _ in range(n):
            AssetFactory(tiers=tiers)

    grow(2)
    with django_assert_max_num_queries(10) as small:
        client.get(ASSETS)
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(ASSETS)


def test_downloads_are_checked_and_counted(globex, globex_admin, acme_rep, gold_pdf):
    url = f"{ASSETS}{gold_pdf.pk}/download/"
    assert session(acme_rep).get(url).status_code == 404

    response = session(globex_admin).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="Gold kit.pdf"' in response["Content-Disposition"]
    usage = AssetUsage.objects.get()
    assert (usage.partner, usage.action) == (globex, "download")


def test_a_link_asset_redirects(acme_rep):
    video = AssetFactory(kind="video", external_url="https://videos.example/tour")
    response = session(acme_rep).get(f"{ASSETS}{video.pk}/download/")
    assert response.status_code == 302 and response["Location"] == "https://videos.example/tour"


def test_keys_read_assets_for_their_partner_only(acme, globex, gold_pdf):
    _key, plaintext = issue_api_key(
        name="Intranet", scopes=["enablement:read"], actor=None, partner=acme
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert client.get(ASSETS).json()["count"] == 0
    assert client.get(f"{ASSETS}{gold_pdf.pk}/download/").status_code == 404
