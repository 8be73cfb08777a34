"""Library pages: what each persona sees, downloads through a checking view, uploads, co-brand."""

import pytest
from django.urls import reverse

from enablement.content import services as content_services
from enablement.content import uploads
from enablement.models import Asset, AssetUsage

from .factories_programs import PNG_BYTES, AssetFactory, office_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def datasheet(ops):
    return content_services.create_asset(
        actor=ops,
        title="Datasheet",
        kind=Asset.Kind.DATASHEET,
        upload=upload("Platform datasheet.pdf", pdf_bytes("Datasheet")),
        co_brandable=True,
        published=True,
    )


@pytest.fixture
def gold_only(ops, tiers):
    return content_services.create_asset(
        actor=ops,
        title="Gold kit",
        kind=Asset.Kind.CAMPAIGN,
        upload=upload("kit.pdf", pdf_bytes("Kit")),
        tiers=[tiers[2]],
        published=True,
    )


def listed(client) -> set[str]:
    response = client.get(reverse("enablement:asset_list"))
    assert response.status_code == 200
    return {asset.title for asset in response.context["page_obj"]}


def test_the_list_shows_what_each_persona_may_see(client_for, personas, datasheet, gold_only):
    draft = AssetFactory(title="Draft", published=False)
    assert listed(client_for(personas["acme_rep"])) == {"Datasheet"}
    assert listed(client_for(personas["globex_admin"])) == {"Datasheet", "Gold kit"}
    assert listed(client_for(personas["cam"])) == {"Datasheet", "Gold kit", draft.title}


def test_the_list_filters_and_has_an_empty_state(client_for, acme_rep, datasheet):
    client = client_for(acme_rep)
    page = client.get(reverse("enablement:asset_list"), {"kind": "video"})
    assert "No content is available" in page.content.decode()
    page = client.get(reverse("enablement:asset_list"), {"q": "datash"})
    assert [a.title for a in page.context["page_obj"]] == ["Datasheet"]


def test_the_list_queries_do_not_grow_with_rows(
    client_for, ops, tiers, django_assert_max_num_queries
):
    client = client_for(ops)

    def grow(n):
        for _ in range(n):
            AssetFactory(tiers=tiers[1:], business_models=["msp"])

    grow(2)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("enablement:asset_list"))
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:asset_list"))


def test_a_download_serves_the_file_under_its_original_name_and_counts_it(
    client_for, acme, acme_rep, datasheet
):
    response = client_for(acme_rep).get(reverse("enablement:asset_download", args=[datasheet.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="Platform datasheet.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    usage = AssetUsage.objects.get()
    assert (usage.partner, usage.user, usage.action) == (acme, acme_rep, "download")


def test_a_link_asset_redirects_and_counts(client_for, acme_rep):
    video = AssetFactory(kind=Asset.Kind.VIDEO, external_url="https://videos.example/tour")
    response = client_for(acme_rep).get(reverse("enablement:asset_download", args=[video.pk]))
    assert response.status_code == 302 and response["Location"] == "https://videos.example/tour"
    assert AssetUsage.objects.get().action == "link"


def test_downloads_of_assets_not_meant_for_you_are_404(client_for, personas, gold_only):
    draft = AssetFactory(published=False)
    msp_only = AssetFactory(business_models=["msp"])
    acme_client = client_for(personas["acme_admin"])
    for asset in (gold_only, draft, msp_only):
        url = reverse("enablement:asset_download", args=[asset.pk])
        assert acme_client.get(url).status_code == 404
    url = reverse("enablement:asset_download", args=[gold_only.pk])
    assert client_for(personas["globex_admin"]).get(url).status_code == 200
    assert client_for(personas["cam"]).get(url).status_code == 200  # staff are not counted
    assert AssetUsage.objects.filter(user=personas["cam"]).count() == 0


def test_files_are_never_linked_as_public_media(client_for, acme_rep, datasheet):
    html = client_for(acme_rep).get(reverse("enablement:asset_list")).content.decode()
    assert datasheet.file.name not in html and "/media/" not in html


def test_ops_upload_an_asset_from_the_page(client_for, ops, tiers):
    response = client_for(ops).post(
        reverse("enablement:asset_create"),
        {
            "title": "Pitch deck",
            "kind": "pitch_deck",
            "upload": upload("deck.pptx", office_bytes("pptx")),
            "visible_to_tiers": [tiers[1].pk],
            "business_models": ["msp"],
            "published": "on",
        },
    )
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert (asset.original_filename, asset.content_type) == ("deck.pptx", uploads.PPTX)
    assert list(asset.visible_to_tiers.all()) == [tiers[1]]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("deck.pptx", PNG_BYTES, "content is a PNG image but its name ends in .pptx"),
        ("run.exe", b"MZ", "Only PDF, PNG, JPEG, DOCX, PPTX and XLSX"),
    ],
)
def test_a_refused_upload_is_a_form_error(client_for, ops, name, data, message):
    response = client_for(ops).post(
        reverse("enablement:asset_create"),
        {"title": "Bad", "kind": "collateral", "upload": upload(name, data)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Asset.objects.exists()


def test_only_ops_reach_the_upload_page(client_for, cam, acme_admin):
    for user in (cam, acme_admin):
        assert client_for(user).get(reverse("enablement:asset_create")).status_code == 403


def test_a_partner_downloads_a_co_branded_pdf(client_for, acme, acme_admin, datasheet):
    response = client_for(acme_admin).get(reverse("enablement:asset_cobrand", args=[datasheet.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="datasheet-acme.pdf"' in response["Content-Disposition"]
    assert AssetUsage.objects.get().action == "cobrand"


def test_co_branding_refusals(client_for, personas, acme, globex, datasheet, gold_only):
    response = client_for(personas["globex_admin"]).get(
        reverse("enablement:asset_cobrand", args=[gold_only.pk]), follow=True
    )
    assert "cannot be co-branded" in response.content.decode()
    url = reverse("enablement:asset_cobrand", args=[datasheet.pk])
    # Staff preview for a partner in their scope, and only there.
    assert client_for(personas["cam"]).get(url).status_code == 404
    assert client_for(personas["cam"]).get(url, {"partner": acme.pk}).status_code == 200
    assert client_for(personas["other_cam"]).get(url, {"partner": acme.pk}).status_code == 404
    assert client_for(personas["ops"]).get(url, {"partner": globex.pk}).status_code == 200
    assert not AssetUsage.objects.exists()
