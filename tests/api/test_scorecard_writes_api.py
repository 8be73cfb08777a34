"""Scorecard writes the portal has and the API gained: the channel account manager's ratings,
program ops' templates and the runs computing a quarter. The same services, the same people."""

import pytest
from django.utils import timezone

from prm.audit import events_for
from prm.periods import fiscal_quarter
from scorecards.cards import services
from scorecards.cards.criteria import Source
from scorecards.models import CamRating, Scorecard, ScorecardRun, ScorecardTemplate

pytestmark = pytest.mark.django_db
CARDS = "/api/v1/scorecards/"
TEMPLATES = "/api/v1/scorecard-templates/"
RUNS = "/api/v1/scorecard-runs/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def quarter():
    return fiscal_quarter(timezone.localdate())


@pytest.fixture
def cards(acme, globex, quarter):
    services.compute_scorecards([acme, globex], quarter)
    return {c.partner.display_name: c for c in Scorecard.objects.filter(quarter=quarter.label)}


def rated(card) -> str:
    return next(r["criterion"] for r in card.criteria if r["source"] == Source.RATED)


def measured(card) -> str:
    return next(r["criterion"] for r in card.criteria if r["source"] == Source.COMPUTED)


# --- Ratings ----------------------------------------------------------------------------------


class TestRating:
    def url(self, card) -> str:
        return f"{CARDS}{card.pk}/ratings/"

    def test_the_partners_cam_rates_a_criterion(self, session_for, cam, cards):
        card = cards["Acme"]
        criterion = rated(card)
        answer = session_for(cam).post(
            self.url(card), {"criterion": criterion, "rating": 4, "note": "Strong"}, format="json"
        )
        assert answer.status_code == 200, answer.content
        row = next(r for r in answer.json()["criteria"] if r["criterion"] == criterion)
        assert (row["value"], row["note"], row["missing"]) == ("4", "Strong", False)
        assert CamRating.objects.get(scorecard=card, criterion=criterion).rating == 4
        event = events_for(card).filter(verb="scorecard.rated").get()
        assert (event.actor, event.to_state, event.reason) == (cam, "4", "Strong")

    def test_bad_input_is_a_400_and_changes_nothing(self, session_for, cam, cards):
        card = cards["Acme"]
        client = session_for(cam)
        for body, field in (
            ({"criterion": rated(card), "rating": 6, "note": "x"}, "rating"),
            ({"criterion": rated(card), "rating": 3}, "note"),
            ({"criterion": "charm", "rating": 3, "note": "x"}, "criterion"),
        ):
            answer = client.post(self.url(card), body, format="json")
            assert answer.status_code == 400 and field in error_of(answer)["details"], body
        computed = client.post(
            self.url(card), {"criterion": measured(card), "rating": 3, "note": "x"}, format="json"
        )
        assert computed.status_code == 400
        assert error_of(computed)["code"] == "scorecard_error"
        assert not CamRating.objects.exists()

    def test_only_the_partners_cam_rates(self, session_for, key_client, ops, acme_admin, acme,
                                         cards):  # fmt: skip
        card = cards["Acme"]
        body = {"criterion": rated(card), "rating": 3, "note": "x"}
        for client in (
            session_for(ops),
            session_for(acme_admin),
            key_client("scorecards:read", "scorecards:write"),
            key_client("scorecards:read", "scorecards:write", partner=acme),
        ):
            assert client.post(self.url(card), body, format="json").status_code == 403
        assert not CamRating.objects.exists()

    def test_another_partners_people_get_a_404(self, session_for, key_client, other_cam,
                                               globex_admin, globex, cards):  # fmt: skip
        card = cards["Acme"]
        body = {"criterion": rated(card), "rating": 3, "note": "x"}
        for client in (
            session_for(other_cam),
            session_for(globex_admin),
            key_client("scorecards:read", "scorecards:write", partner=globex),
        ):
            assert client.post(self.url(card), body, format="json").status_code == 404
        assert not CamRating.objects.exists()


# --- Templates --------------------------------------------------------------------------------


def template_body(**overrides) -> dict:
    body = {
        "name": "MSP scorecard",
        "business_model": "msp",
        "green_from": 80,
        "amber_from": 50,
        "criteria": [
            {"criterion": "sourced_bookings", "source": "computed", "weight": 40,
             "target": "250000.00"},
            {"criterion": "communication", "source": "rated", "weight": 60},
        ],
    }  # fmt: skip
    body.update(overrides)
    return body


class TestTemplates:
    def test_ops_create_and_then_replace_a_template(self, session_for, ops):
        client = session_for(ops)
        created = client.post(TEMPLATES, template_body(), format="json")
        assert created.status_code == 201, created.content
        body = created.json()
        assert (body["name"], body["business_model"], body["green_from"]) == (
            "MSP scorecard",
            "msp",
            80,
        )
        assert [(c["criterion"], c["weight"], c["target"]) for c in body["criteria"]] == [
            ("sourced_bookings", 40, "250000.00"),
            ("communication", 60, None),
        ]
        template = ScorecardTemplate.objects.get(pk=body["id"])
        assert events_for(template).filter(verb="scorecard_template.created", actor=ops).exists()

        changed = client.put(
            f"{TEMPLATES}{template.pk}/",
            template_body(
                green_from=70,
                criteria=[{"criterion": "communication", "source": "rated", "weight": 100}],
            ),
            format="json",
        )
        assert changed.status_code == 200, changed.content
        assert [c["criterion"] for c in changed.json()["criteria"]] == ["communication"]
        event = events_for(template).filter(verb="scorecard_template.changed").get()
        assert event.data["before"]["green_from"] == 80 and event.data["after"]["green_from"] == 70

    @pytest.mark.parametrize(
        ("overrides", "where"),
        [
            ({"amber_from": 90}, "scorecard_error"),
            ({"criteria": []}, "criteria"),
            ({"criteria": [{"criterion": "communication", "source": "rated", "weight": 0}]},
             "criteria"),
            ({"criteria": [{"criterion": "customer_satisfaction", "source": "computed",
                            "weight": 10, "target": "5"}]}, "scorecard_error"),
            ({"criteria": [{"criterion": "sourced_bookings", "source": "computed",
                            "weight": 10}]}, "scorecard_error"),
            ({"business_model": "pirate"}, "business_model"),
        ],
    )  # fmt: skip
    def test_bad_templates_are_a_400_and_store_nothing(self, session_for, ops, overrides, where):
        answer = session_for(ops).post(TEMPLATES, template_body(**overrides), format="json")
        assert answer.status_code == 400, answer.content
        error = error_of(answer)
        assert where == error["code"] or where in error["details"]
        assert not ScorecardTemplate.objects.filter(name="MSP scorecard").exists()

    def test_a_second_template_for_a_model_or_with_a_taken_name_is_refused(self, session_for, ops):
        client = session_for(ops)
        assert client.post(TEMPLATES, template_body(), format="json").status_code == 201
        same_model = client.post(TEMPLATES, template_body(name="Another"), format="json")
        assert same_model.status_code == 400
        same_name = client.post(TEMPLATES, template_body(business_model="isv"), format="json")
        assert same_name.status_code == 400 and "name" in error_of(same_name)["message"]
        assert ScorecardTemplate.objects.count() == 1

    def test_only_program_ops(self, session_for, key_client, cam, acme_admin, acme):
        template = services.save_template(
            actor=None, template=None, name="MSP scorecard", business_model="msp",
            green_from=80, amber_from=50,
            criteria=[{"criterion": "communication", "source": "rated", "weight": 100}],
        )  # fmt: skip
        for client in (
            session_for(cam),
            session_for(acme_admin),
            key_client("scorecards:read", "scorecards:write", partner=acme),
        ):
            assert client.get(TEMPLATES).status_code == 403
            assert client.post(TEMPLATES, template_body(name="X", business_model="isv"),
                               format="json").status_code == 403  # fmt: skip
            assert client.put(f"{TEMPLATES}{template.pk}/", template_body(name="Y"),
                              format="json").status_code == 403  # fmt: skip
        assert (
            key_client("scorecards:read")
            .post(TEMPLATES, template_body(name="X", business_model="isv"), format="json")
            .status_code
            == 403
        )
        assert ScorecardTemplate.objects.get().name == "MSP scorecard"
        program_key = key_client("scorecards:read", "scorecards:write")
        assert program_key.get(TEMPLATES).json()["count"] == 1


# --- Runs -------------------------------------------------------------------------------------


class TestRuns:
    def test_ops_start_a_run_and_follow_its_progress(
        self, session_for, ops, acme, quarter, django_capture_on_commit_callbacks
    ):
        from partners.models import Partner

        Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.ACTIVE)
        client = session_for(ops)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(RUNS, {"quarter": quarter.label[2:]}, format="json")
        assert answer.status_code == 202, answer.content
        body = answer.json()
        assert body["quarter"] == quarter.label and body["partners_total"] >= 1
        run = ScorecardRun.objects.get(pk=body["id"])
        assert events_for(run).filter(verb="scorecard_run.started", actor=ops).exists()
        # The eager worker ran after commit: the run is done and the scorecard exists.
        done = client.get(f"{RUNS}{run.pk}/").json()
        assert (done["status"], done["percent"]) == ("done", 100)
        assert done["computed_count"] == done["partners_total"] == body["partners_total"]
        assert Scorecard.objects.filter(partner=acme, quarter=quarter.label).exists()
        assert [row["id"] for row in client.get(RUNS).json()["results"]] == [run.pk]

    def test_a_quarter_that_is_not_one_is_a_400(self, session_for, ops):
        client = session_for(ops)
        for quarter in ("soon", "2999-Q1"):
            answer = client.post(RUNS, {"quarter": quarter}, format="json")
            assert answer.status_code == 400 and error_of(answer)["code"] == "scorecard_error"
        assert client.post(RUNS, {}, format="json").status_code == 400
        assert not ScorecardRun.objects.exists()

    def test_only_program_ops(self, session_for, key_client, cam, acme_admin, acme, quarter):
        body = {"quarter": quarter.label}
        for client in (
            session_for(cam),
            session_for(acme_admin),
            key_client("scorecards:read", "scorecards:write", partner=acme),
            key_client("scorecards:read"),
        ):
            assert client.post(RUNS, body, format="json").status_code == 403
        assert not ScorecardRun.objects.exists()
        assert key_client("scorecards:write").post(RUNS, body, format="json").status_code == 202


def test_the_template_and_run_lists_do_not_grow_in_queries(session_for, ops):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n: int) -> None:
        models = ["msp", "isv", "si", "mssp"]
        for i in range(n):
            services.save_template(
                actor=ops, template=None, name=f"T{ScorecardTemplate.objects.count()}",
                business_model=models[ScorecardTemplate.objects.count()], green_from=80,
                amber_from=50,
                criteria=[{"criterion": "communication", "source": "rated", "weight": 100}],
            )  # fmt: skip
            ScorecardRun.objects.create(quarter=f"FY2026-Q{i + 1}", started_by=ops)

    client = session_for(ops)
    make(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(TEMPLATES).status_code == client.get(RUNS).status_code == 200
    make(3)
    with CaptureQueriesContext(connection) as many:
        assert client.get(TEMPLATES).json()["count"] == 4
        assert client.get(RUNS).json()["count"] == 4
    assert len(many) == len(few)
