"""Tracks, courses and public certificate verification through the API: partners read the
catalogue as the portal shows it, only program ops change it, and anyone can verify a code."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from enablement.models import Course, Track
from prm.models import AuditEvent
from tests.enablement.factories import CourseFactory, PersonCertificationFactory, TrackFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

TRACKS, COURSES = "/api/v1/tracks/", "/api/v1/courses/"


@pytest.fixture
def catalogue():
    sales = TrackFactory(name="Sell the platform", role="sales", position=1)
    msp = TrackFactory(name="Run it as a service", role="technical", business_models=["msp"])
    CourseFactory(track=sales, code="pitch", title="The pitch")
    CourseFactory(track=sales, code="msp-pricing", title="MSP pricing", business_models=["msp"])
    CourseFactory(track=msp, code="operate", title="Operate")
    return sales, msp


class TestReading:
    def test_a_partner_reads_tracks_with_their_courses(self, acme_rep, session_for, catalogue):
        response = session_for(acme_rep).get(TRACKS)

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [t["name"] for t in rows] == ["Run it as a service", "Sell the platform"]
        sell = rows[1]
        assert {c["code"] for c in sell["courses"]} == {"pitch", "msp-pricing"}

    def test_filters_are_the_portal_catalogue_filters(self, acme_rep, session_for, catalogue):
        client = session_for(acme_rep)
        reseller = client.get(TRACKS, {"business_model": "reseller"}).json()["results"]
        assert [t["name"] for t in reseller] == ["Sell the platform"]
        assert [c["code"] for c in reseller[0]["courses"]] == ["pitch"]

        courses = client.get(COURSES, {"role": "technical"}).json()["results"]
        assert [c["code"] for c in courses] == ["operate"]

    def test_one_track_and_an_unknown_one(self, key_client, catalogue):
        client = key_client("enablement:read")
        sales, _msp = catalogue
        assert client.get(f"{TRACKS}{sales.pk}/").json()["name"] == "Sell the platform"
        missing = client.get(f"{TRACKS}999999/")
        assert missing.status_code == 404
        assert error_of(missing)["code"] == "not_found"

    def test_an_unknown_filter_value_is_400(self, acme_rep, session_for):
        response = session_for(acme_rep).get(TRACKS, {"role": "juggler"})
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid"


class TestWriting:
    def test_ops_adds_a_track_and_a_course_with_audit(self, ops, session_for):
        client = session_for(ops)
        track = client.post(
            TRACKS, {"name": "Deploy", "role": "technical", "business_models": ["msp"]}
        )
        assert track.status_code == 201, track.json()
        course = client.post(
            COURSES,
            {"track": track.json()["id"], "code": "deploy-101", "title": "Deploy 101",
             "role": "technical", "url": "https://learn.example/deploy"},
            format="json",
        )  # fmt: skip
        assert course.status_code == 201, course.json()
        assert Course.objects.get(code="deploy-101").track.name == "Deploy"
        verbs = set(AuditEvent.objects.values_list("verb", flat=True))
        assert {"track_created", "course_created"} <= verbs

    def test_ops_renames_a_track(self, ops, session_for, catalogue):
        sales, _msp = catalogue
        response = session_for(ops).patch(
            f"{TRACKS}{sales.pk}/", {"name": "Sell it"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["name"] == "Sell it"
        assert Track.objects.get(pk=sales.pk).name == "Sell it"

    def test_a_duplicate_code_is_409(self, ops, session_for, catalogue):
        sales, _msp = catalogue
        response = session_for(ops).post(
            COURSES,
            {"track": sales.pk, "code": "pitch", "title": "Again", "role": "sales"},
            format="json",
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "duplicate"

    @pytest.mark.parametrize("who", ["acme_admin", "cam"])
    def test_no_one_else_changes_the_catalogue(self, who, personas, session_for, catalogue):
        sales, _msp = catalogue
        client = session_for(personas[who])
        assert client.post(TRACKS, {"name": "Mine", "role": "sales"}).status_code == 403
        patch = client.patch(f"{TRACKS}{sales.pk}/", {"name": "Mine"}, format="json")
        assert patch.status_code == 403
        assert Track.objects.get(pk=sales.pk).name == "Sell the platform"

    def test_a_partner_bound_write_key_cannot_change_it(self, key_client, acme):
        client = key_client("enablement:read", "enablement:write", partner=acme)
        assert client.post(TRACKS, {"name": "Mine", "role": "sales"}).status_code == 403


class TestVerification:
    def verify(self, code):
        return APIClient().get(f"/api/v1/verifications/{code}/")

    def test_a_valid_certificate(self, acme_rep, acme):
        pc = PersonCertificationFactory(user=acme_rep, partner=acme)
        response = self.verify(pc.verification_code)

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "valid"
        assert body["holder"] == acme_rep.get_full_name()
        assert body["partner"] == acme.display_name
        assert "email" not in str(body).lower()

    def test_an_expired_certificate(self, acme_rep, acme):
        pc = PersonCertificationFactory(
            user=acme_rep,
            partner=acme,
            earned_on=dt.date(2020, 1, 1),
            expires_on=dt.date(2021, 1, 1),
        )
        assert self.verify(pc.verification_code).json()["status"] == "expired"

    def test_an_unknown_code_is_a_404_without_credentials(self, db):
        response = self.verify("no-such-code")
        assert response.status_code == 404
        assert error_of(response)["code"] == "unknown_verification_code"

    def test_a_bad_key_does_not_matter(self, acme_rep, acme):
        pc = PersonCertificationFactory(user=acme_rep, partner=acme)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Api-Key prm_bogus.bogus")
        assert client.get(f"/api/v1/verifications/{pc.verification_code}/").status_code == 200
