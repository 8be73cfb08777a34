"""The content library: uploads judged by content, visibility per tier and business model,
generated storage names, usage counts and co-branded PDFs."""

import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from enablement.content import selectors as content_selectors
from enablement.content import services as content_services
from enablement.content import uploads
from enablement.content.uploads import ContentError, UploadRejected, validate_upload
from enablement.models import Asset, AssetUsage
from partners.models import BusinessModel
from prm.exceptions import PermissionDenied
from prm.models import AuditEvent
from tests.factories import MembershipFactory, PartnerFactory

from .factories_programs import (
    JPEG_BYTES,
    PNG_BYTES,
    AssetFactory,
    office_bytes,
    pdf_bytes,
    plain_zip_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


# --- Upload validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("Overview.PDF", pdf_bytes(), "application/pdf"),
        ("logo.png", PNG_BYTES, "image/png"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg"),
        ("photo.jpg", JPEG_BYTES, "image/jpeg"),
        ("brief.docx", office_bytes("docx"), uploads.DOCX),
        ("deck.pptx", office_bytes("pptx"), uploads.PPTX),
        ("calculator.xlsx", office_bytes("xlsx"), uploads.XLSX),
    ],
)
def test_allowed_files_are_accepted_by_their_content(name, data, content_type):
    checked = validate_upload(upload(name, data))
    assert checked.content_type == content_type
    assert checked.original_name == name
    assert checked.size == len(data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("overview.pdf", PNG_BYTES, "content is a PNG image but its name ends in .pdf"),
        ("logo.png", pdf_bytes(), "content is a PDF but its name ends in .png"),
        ("deck.pptx", office_bytes("docx"), "a Word document but its name ends in .pptx"),
        ("brief.docx", pdf_bytes(), "content is a PDF but its name ends in .docx"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "not a PDF, PNG, JPEG or Office document"),
        ("archive.docx", plain_zip_bytes(), "zip archive, not an Office document"),
        ("macros.docx", office_bytes("docm"), "contains macros"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        ("tool.exe", b"MZ\x90\x00", "Only PDF, PNG, JPEG, DOCX, PPTX and XLSX"),
        ("page.html", b"<html></html>", "Only PDF, PNG, JPEG, DOCX, PPTX and XLSX"),
        ("noextension", pdf_bytes(), "Only PDF, PNG, JPEG, DOCX, PPTX and XLSX"),
        ("empty.pdf", b"", "empty"),
    ],
)  # fmt: skip
def test_files_whose_content_and_name_disagree_are_refused(name, data, message):
    with pytest.raises(UploadRejected, match=message):
        validate_upload(upload(name, data))


def test_files_over_the_size_limit_are_refused():
    big = upload("big.pdf", pdf_bytes() + b"0" * 2048)
    with pytest.raises(UploadRejected, match="the limit is 0 MB|limit is"):
        validate_upload(big, max_bytes=1024)
    assert uploads.MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_the_default_limit_is_twenty_megabytes():
    class Huge:
        name, size = "huge.pdf", 20 * 1024 * 1024 + 1

    with pytest.raises(UploadRejected, match="limit is 20 MB"):
        validate_upload(Huge())


# --- Creating assets --------------------------------------------------------------------------


def test_ops_add_a_file_stored_under_a_generated_name(ops, tiers):
    asset = content_services.create_asset(
        actor=ops,
        title="Datasheet",
        kind=Asset.Kind.DATASHEET,
        upload=upload("../../etc/Our Datasheet.pdf", pdf_bytes()),
        tiers=[tiers[2]],
        business_models=["msp", "reseller"],
        published=True,
    )

    assert asset.original_filename == "Our Datasheet.pdf"
    assert asset.content_type == "application/pdf"
    assert asset.file.name.startswith("enablement/assets/")
    assert asset.file.name.endswith(".pdf")
    assert "Datasheet" not in asset.file.name and ".." not in asset.file.name
    assert asset.file.read().startswith(b"%PDF")
    assert list(asset.visible_to_tiers.all()) == [tiers[2]]
    assert asset.business_models == ["msp", "reseller"]
    assert AuditEvent.objects.for_object(asset).get().verb == "asset.created"


def test_an_asset_is_a_file_or_a_link_never_both_and_only_ops_add_them(ops, cam):
    with pytest.raises(ContentError, match="either a file or an external link"):
        content_services.create_asset(actor=ops, title="Nothing", kind=Asset.Kind.COLLATERAL)
    with pytest.raises(ContentError, match="either a file or an external link"):
        content_services.create_asset(
            actor=ops,
            title="Both",
            kind=Asset.Kind.COLLATERAL,
            upload=upload("a.pdf", pdf_bytes()),
            external_url="https://content.example/a",
        )
    with pytest.raises(ContentError, match="video is shared as a link"):
        content_services.create_asset(
            actor=ops, title="Video", kind=Asset.Kind.VIDEO, upload=upload("a.pdf", pdf_bytes())
        )
    with pytest.raises(ContentError, match="Unknown business model"):
        content_services.create_asset(
            actor=ops,
            title="Bad",
            kind=Asset.Kind.VIDEO,
            external_url="https://v.example/1",
            business_models=["martian"],
        )
    with pytest.raises(PermissionDenied):
        content_services.create_asset(
            actor=cam, title="Mine", kind=Asset.Kind.VIDEO, external_url="https://v.example/1"
        )
    assert not Asset.objects.exists()


def test_publishing_is_audited(ops):
    asset = AssetFactory(published=False)
    content_services.set_asset_published(actor=ops, asset=asset, published=True)
    content_services.set_asset_published(actor=ops, asset=asset, published=True)
    events = AuditEvent.objects.for_object(asset)
    assert [(e.verb, e.from_state, e.to_state) for e in events] == [
        ("asset.published", "draft", "published")
    ]


def test_replacing_a_file_checks_the_new_one(ops):
    asset = content_services.create_asset(
        actor=ops,
        title="Deck",
        kind=Asset.Kind.PITCH_DECK,
        upload=upload("d.pptx", office_bytes("pptx")),
    )
    with pytest.raises(UploadRejected):
        content_services.replace_asset_file(
            actor=ops, asset=asset, upload=upload("d.pptx", PNG_BYTES)
        )
    content_services.replace_asset_file(
        actor=ops, asset=asset, upload=upload("d2.pdf", pdf_bytes())
    )
    asset.refresh_from_db()
    assert (asset.original_filename, asset.content_type) == ("d2.pdf", "application/pdf")


# --- Visibility -------------------------------------------------------------------------------


def test_partner_users_see_published_assets_for_their_tier_and_business_model(
    personas, tiers, acme, globex
):
    """Acme: reseller, Registered. Globex: MSP, Gold. Distri: distributor, Silver."""
    registered, silver, gold = tiers
    for_all = AssetFactory(title="For everyone")
    draft = AssetFactory(title="Draft", published=False)
    gold_only = AssetFactory(title="Gold only", tiers=[gold])
    silver_up = AssetFactory(title="Silver and Gold", tiers=[silver, gold])
    msp_only = AssetFactory(title="MSPs", business_models=["msp", "mssp"])
    reseller_gold = AssetFactory(title="Gold resellers", tiers=[gold], business_models=["reseller"])
    mssp_only = AssetFactory(title="MSSPs", business_models=["mssp"])

    def seen(who):
        return {a.title for a in content_selectors.assets_visible_to(personas[who])}

    assert seen("acme_admin") == seen("acme_rep") == {"For everyone"}
    assert seen("globex_admin") == {"For everyone", "Gold only", "Silver and Gold", "MSPs"}
    # A distributor's people see what is meant for the distributor, not for its resellers.
    assert seen("distri_admin") == {"For everyone", "Silver and Gold"}
    everything = {
        a.title for a in (for_all, draft, gold_only, silver_up, msp_only, reseller_gold, mssp_only)
    }
    assert seen("cam") == seen("other_cam") == seen("ops") == everything


def test_a_partner_without_a_tier_sees_only_unrestricted_assets(tiers):
    partner = PartnerFactory(tier=None, business_model=BusinessModel.MSSP)
    user = MembershipFactory(partner=partner).user
    AssetFactory(title="Anyone")
    AssetFactory(title="Gold", tiers=[tiers[2]])
    AssetFactory(title="MSSP", business_models=["mssp"])
    assert {a.title for a in content_selectors.assets_visible_to(user)} == {"Anyone", "MSSP"}


def test_an_asset_in_several_tiers_is_listed_once(acme_admin, tiers):
    AssetFactory(title="Wide", tiers=tiers)
    assert content_selectors.assets_visible_to(acme_admin).count() == 1


# --- Usage and co-branding --------------------------------------------------------------------


def test_usage_is_counted_for_the_partner_acting_never_for_staff(acme, acme_admin, cam):
    asset = AssetFactory()
    content_services.record_asset_usage(asset=asset, user=acme_admin, action="download")
    content_services.record_asset_usage(asset=asset, user=acme_admin, action="link")
    assert content_services.record_asset_usage(asset=asset, user=cam, action="download") is None
    assert content_selectors.usage_counts(partner_ids=[acme.pk]) == {
        acme.pk: {"download": 1, "link": 1}
    }


@pytest.fixture
def pdf_asset(ops):
    return content_services.create_asset(
        actor=ops,
        title="Healthcare campaign",
        description="Emails and a landing page for clinics.",
        kind=Asset.Kind.CAMPAIGN,
        upload=upload("campaign.pdf", pdf_bytes("Campaign")),
        co_brandable=True,
        published=True,
    )


def test_a_co_branded_pdf_is_rendered_for_the_partner_and_counted(pdf_asset, acme, acme_admin):
    acme.logo.save("logo.png", ContentFile(PNG_BYTES), save=True)

    pdf = content_services.render_cobranded_pdf(asset=pdf_asset, partner=acme, actor=acme_admin)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # the partner's cover, then the original's one page
    cover, original = (page.extract_text() for page in reader.pages)
    assert "Acme" in cover and "Healthcare campaign" in cover
    assert "Campaign" in original and "Acme" not in original
    assert not reader.attachments  # merged, not attached
    usage = AssetUsage.objects.get()
    assert (usage.partner, usage.user, usage.action) == (acme, acme_admin, "cobrand")


def test_co_branding_an_image_or_a_link_gives_a_branded_sheet(ops, acme, acme_admin):
    image = content_services.create_asset(
        actor=ops,
        title="Banner",
        kind=Asset.Kind.COLLATERAL,
        upload=upload("banner.png", PNG_BYTES),
        co_brandable=True,
    )
    link = AssetFactory(co_brandable=True)
    for asset in (image, link):
        pdf = content_services.render_cobranded_pdf(asset=asset, partner=acme, actor=acme_admin)
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 1  # the branded sheet alone


def test_co_branding_is_refused_for_assets_that_do_not_allow_it_or_other_partners(
    pdf_asset, acme, globex, globex_admin, cam
):
    plain = AssetFactory(co_brandable=False)
    with pytest.raises(ContentError, match="cannot be co-branded"):
        content_services.render_cobranded_pdf(asset=plain, partner=globex, actor=globex_admin)
    with pytest.raises(PermissionDenied):
        content_services.render_cobranded_pdf(asset=pdf_asset, partner=acme, actor=globex_admin)
    # Staff may preview a partner's version; previews are not the partner's use.
    assert content_services.render_cobranded_pdf(asset=pdf_asset, partner=acme, actor=cam)
    assert not AssetUsage.objects.exists()


def test_branding_uses_the_partner_logo_only_when_it_is_an_image(acme, acme_admin):
    assert content_selectors.partner_branding(acme).logo_data_uri == ""
    acme.logo.save("logo.txt", ContentFile(b"not an image"), save=True)
    assert content_selectors.partner_branding(acme).logo_data_uri == ""
    acme.logo.save("logo.png", ContentFile(PNG_BYTES), save=True)
    branding = content_selectors.partner_branding(acme)
    assert branding.logo_data_uri.startswith("data:image/png;base64,")
    assert (branding.name, branding.contact_email) == ("Acme", acme_admin.email)


def test_every_page_of_a_longer_original_follows_the_cover(ops, acme, acme_admin):
    from weasyprint import HTML

    three_pages = HTML(
        string="<h1>One</h1><p style='break-after: page'>a</p><h1>Two</h1>"
        "<p style='break-after: page'>b</p><h1>Three</h1>"
    ).write_pdf()
    asset = content_services.create_asset(
        actor=ops,
        title="Playbook",
        kind=Asset.Kind.CAMPAIGN,
        upload=upload("playbook.pdf", three_pages),
        co_brandable=True,
    )
    pdf = content_services.render_cobranded_pdf(asset=asset, partner=acme, actor=acme_admin)
    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 4
    assert "Acme" in texts[0]
    assert ["One" in texts[1], "Two" in texts[2], "Three" in texts[3]] == [True, True, True]
    assert reader.metadata.title == "Playbook · Acme"
