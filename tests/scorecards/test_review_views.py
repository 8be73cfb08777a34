"""The ops pages of the tier review (start, progress, filters, bulk and single decisions) and
the partner's gap and what-if on "Where we stand"; each checked with personas of different
partners."""

import pytest
from django.urls import reverse

from partners.models import PartnerMembership
from prm.jobs import fail_batch
from scorecards.models import ProposalApplication, TierProposal, TierReview
from scorecards.review import applying, decisions, services
from scorecards.review.selectors import proposals_visible_to, what_if

Action = TierProposal.Action


@pytest.fixture
def done_review(ops, quarter, make_partner, cam):
    up = make_partner("registered", sales=3, technical=2, developers=2, name="Upward", cam=cam)
    stay = make_partner("silver", sales=2, technical=1, name="Steady")
    review = services.start_review(quarter=quarter.label, actor=ops, queue=False)
    review = services.run_review(review.pk)
    return review, up, stay


def test_ops_start_a_review_from_the_portal(
    client_for, ops, quarter, make_partner, django_capture_on_commit_callbacks
):
    make_partner("registered", sales=1)
    client = client_for(ops)
    page = client.get(reverse("scorecards:review_list"))
    assert page.status_code == 200 and b"Start review" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("scorecards:review_start"), {"quarter": quarter.label.removeprefix("FY")}
        )

    review = TierReview.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert review.status == TierReview.Status.DONE  # eager tasks in tests
    detail = client.get(review.get_absolute_url())
    assert b'data-testid="proposal-list"' in detail.content


def test_a_bad_or_open_quarter_is_a_form_error(client_for, ops, quarter):
    client = client_for(ops)
    response = client.post(reverse("scorecards:review_start"), {"quarter": "next year"})
    assert response.status_code == 400 and b"Enter a fiscal quarter" in response.content
    response = client.post(reverse("scorecards:review_start"), {"quarter": quarter.next().label})
    assert response.status_code == 400 and b"has not closed yet" in response.content
    assert not TierReview.objects.exists()


def test_the_progress_partial_shows_counts_and_reloads_when_done(client_for, ops, done_review):
    review, _up, _stay = done_review
    client = client_for(ops)
    TierReview.objects.filter(pk=review.pk).update(status="running", partners_done=1)
    partial = client.get(reverse("scorecards:review_progress", args=[review.pk]))
    assert b"1 of 2 partners" in partial.content and b"<progress" in partial.content
    assert b"hx-get" in partial.content
    TierReview.objects.filter(pk=review.pk).update(status="done", partners_done=2)
    partial = client.get(
        reverse("scorecards:review_progress", args=[review.pk]), HTTP_HX_REQUEST="true"
    )
    assert partial["HX-Refresh"] == "true"


def test_filters_narrow_the_proposals(client_for, ops, done_review):
    review, up, stay = done_review
    client = client_for(ops)
    page = client.get(review.get_absolute_url(), {"action": "promote"})
    assert b"Upward" in page.content and b"Steady" not in page.content
    page = client.get(review.get_absolute_url(), {"action": "nonsense"})
    assert page.status_code == 200


def test_bulk_approve_then_apply(
    client_for, ops, done_review, program, django_capture_on_commit_callbacks
):
    review, up, stay = done_review
    client = client_for(ops)
    ids = list(review.proposals.values_list("pk", flat=True))
    url = reverse("scorecards:review_bulk", args=[review.pk])
    client.post(url, {"op": "approve", "proposal": ids})
    assert set(review.proposals.values_list("decision", flat=True)) == {"approved"}
    with django_capture_on_commit_callbacks(execute=True):  # the job, eager in tests
        client.post(url, {"op": "apply", "proposal": ids, "effective_on": "2030-01-01"})
    up.refresh_from_db()
    assert up.tier == program["gold"]
    assert review.proposals.filter(applied_at__isnull=False).count() == 2
    panel = client.get(review.get_absolute_url()).content.decode()
    assert 'data-testid="application-progress"' in panel
    assert "The proposals are applied." in panel and "2 of 2 proposals: 2 applied" in panel


def test_a_bulk_decision_returns_to_the_filtered_list(client_for, ops, done_review):
    review, up, _stay = done_review
    url = reverse("scorecards:review_bulk", args=[review.pk])
    form = {"op": "approve", "proposal": [up.pk], "action": "promote", "decision": ""}
    response = client_for(ops).post(url, form)
    assert response["Location"] == f"{review.get_absolute_url()}?action=promote"


def test_applying_asks_its_own_question_before_it_runs(client_for, ops, done_review):
    review, _up, _stay = done_review
    page = client_for(ops).get(review.get_absolute_url()).content.decode()
    button = page.split('data-testid="bulk-submit"', 1)[1].split(">", 1)[0]
    assert 'data-confirm-by="op"' in button
    assert 'data-confirm-apply="Apply the selected decided proposals?' in button


def test_a_bulk_apply_runs_as_a_job_whose_progress_the_page_polls(
    client_for, ops, done_review, cam, acme_admin
):
    review, _up, _stay = done_review
    client = client_for(ops)
    ids = list(review.proposals.values_list("pk", flat=True))
    url = reverse("scorecards:review_bulk", args=[review.pk])
    client.post(url, {"op": "approve", "proposal": ids})
    # No worker yet (the job is queued after commit, which this test does not run).
    response = client.post(url, {"op": "apply", "proposal": ids}, follow=True)
    assert b"Applying 2 proposal(s) in the background" in response.content
    job = review.applications.get()
    assert job.status == job.Status.QUEUED and job.item_ids == sorted(ids)
    progress = reverse("scorecards:application_progress", args=[job.pk])
    partial = client.get(progress, HTTP_HX_REQUEST="true")
    assert b"waiting for a worker" in partial.content and b"hx-get" in partial.content
    assert b"0 of 2 proposals" in partial.content and "HX-Refresh" not in partial
    for persona in (cam, acme_admin):
        other = client_for(persona)
        assert other.get(progress).status_code == 403
        resume = reverse("scorecards:application_resume", args=[job.pk])
        assert other.post(resume).status_code == 403
    assert review.applications.get().status == job.Status.QUEUED
    applying.run_application(job.pk)  # the worker
    partial = client_for(ops).get(progress, HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"  # the page reloads to show the proposals applied


def test_ops_continue_a_stopped_application(
    client_for, ops, done_review, program, django_capture_on_commit_callbacks
):

    review, up, _stay = done_review
    proposals = list(review.proposals.all())
    decisions.decide_proposals(proposals=proposals, actor=ops, approve=True)
    job = applying.start_application(review=review, proposals=proposals, actor=ops, queue=False)
    fail_batch(ProposalApplication, job.pk, "the worker was stopped")
    client = client_for(ops)
    page = client.get(review.get_absolute_url())
    assert b"Applying the proposals stopped." in page.content
    assert b"the worker was stopped" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("scorecards:application_resume", args=[job.pk]))
    assert b"2 of 2 proposals: 2 applied" in client.get(review.get_absolute_url()).content
    up.refresh_from_db()
    assert up.tier == program["gold"]
    again = client.post(reverse("scorecards:application_resume", args=[job.pk]), follow=True)
    assert b"These proposals are applied already." in again.content


def test_bulk_override_without_a_reason_is_refused(client_for, ops, done_review):
    review, _up, _stay = done_review
    url = reverse("scorecards:review_bulk", args=[review.pk])
    response = client_for(ops).post(url, {"op": "override", "all_matching": "on"})
    assert response.status_code == 400 and b"Give a reason" in response.content
    assert set(review.proposals.values_list("decision", flat=True)) == {"pending"}


def test_one_proposal_decided_and_applied_on_its_page(client_for, ops, done_review, program):
    review, up, _stay = done_review
    proposal = review.proposals.get(partner=up)
    client = client_for(ops)
    page = client.get(proposal.get_absolute_url())
    assert b"Meets Gold" in page.content
    assert b'data-metric="certified_developers"' in page.content
    assert b"Certified developers" in page.content
    client.post(
        proposal.get_absolute_url(),
        {"decide-op": "override", "decide-override_tier": program["silver"].pk,
         "decide-decision_reason": "One step at a time", "decide": "1"},
    )  # fmt: skip
    client.post(proposal.get_absolute_url(), {"apply-effective_on": "2030-02-01", "apply": "1"})
    up.refresh_from_db()
    assert up.tier == program["silver"]


@pytest.mark.parametrize("persona", ["acme_admin", "globex_admin", "cam", "other_cam"])
def test_only_ops_see_the_review_pages(client_for, personas, persona, done_review):
    review, _up, _stay = done_review
    client = client_for(personas[persona])
    assert client.get(reverse("scorecards:review_list")).status_code == 403
    assert client.get(review.get_absolute_url()).status_code == 403
    assert client.post(reverse("scorecards:review_bulk", args=[review.pk]), {}).status_code == 403


def test_proposals_are_scoped_to_who_asks(personas, done_review, ops):
    review, up, stay = done_review
    ours = [up.pk, stay.pk]
    assert proposals_visible_to(personas["ops"]).filter(partner_id__in=ours).count() == 2
    cam_sees = proposals_visible_to(personas["cam"]).filter(partner_id__in=ours)
    assert list(cam_sees) == [review.proposals.get(partner=up)]
    assert not proposals_visible_to(personas["other_cam"]).filter(partner_id__in=ours).exists()
    globex_sees = proposals_visible_to(personas["globex_admin"])
    assert {p.partner.display_name for p in globex_sees} == {"Globex"}  # warned: their own
    member = up.memberships.filter(role="admin").get().user
    assert not proposals_visible_to(member).exists()  # still pending: internal
    proposal = review.proposals.get(partner=up)
    decisions.decide_proposal(proposal=proposal, actor=ops, approve=True)
    decisions.apply_proposals(proposals=[proposal], actor=ops)
    assert list(proposals_visible_to(member)) == [proposal]


def test_the_cam_reads_a_proposal_of_their_partner_but_cannot_decide(
    client_for, cam, other_cam, done_review
):
    review, up, _stay = done_review
    proposal = review.proposals.get(partner=up)
    page = client_for(cam).get(proposal.get_absolute_url())
    assert page.status_code == 200 and b"decide-form" not in page.content
    assert client_for(cam).post(proposal.get_absolute_url(), {"decide": "1"}).status_code == 403
    assert client_for(other_cam).get(proposal.get_absolute_url()).status_code == 404


# --- The partner's gap and what-if ----------------------------------------------------------


def test_what_if_names_the_people_to_certify_and_the_criteria_they_meet(make_partner, program):
    partner = make_partner("silver", sales=3, technical=2)
    result = what_if(partner)
    assert result.tier == program["gold"]
    assert result.certification_steps == ["2 more certified developers"]
    assert result.certification_labels == ["Certified developers"]
    assert not result.qualifies and result.qualifies_if_certified
    assert [r.metric for r in result.other_gaps] == ["sourced_revenue"]


def test_what_if_when_certifying_is_not_enough(make_partner, program, monkeypatch):
    from scorecards.models import TierReviewSettings

    TierReviewSettings.objects.update_or_create(pk=1, defaults={"revenue_weight": 20})
    partner = make_partner("silver", sales=3, technical=2)
    result = what_if(partner)
    assert not result.qualifies_if_certified  # revenue now weighs 20 of 47 points


def test_no_what_if_at_the_top_tier(make_partner):
    assert what_if(make_partner("gold", sales=3, technical=2, developers=2)) is None


def test_the_partner_sees_the_what_if_on_where_we_stand(client_for, make_partner):
    partner = make_partner("silver", sales=3, technical=2)
    admin = PartnerMembership.objects.get(partner=partner, role="admin").user
    page = client_for(admin).get(reverse("enablement:standing"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your gap to Gold" in text
    assert "with 2 more certified developers, you meet Gold on these criteria" in text
    assert "That is enough to qualify for Gold" in text


def test_a_proposals_revenue_reads_as_money_and_a_zero_as_zero(settings):
    from django.template import Context, Template

    settings.PRM_DEFAULT_CURRENCY = "USD"
    template = Template("{% load money %}{{ value|metric_value:metric }}")

    def shown(value, metric):
        return template.render(Context({"value": value, "metric": metric}))

    assert shown(886300, "sourced_revenue") == "USD 886,300.00"
    assert shown(0, "certified_sales") == "0"
    assert shown(None, "certified_sales") == "—"
    assert shown("12.50", "won_deals") == "12.50"
