"""The business-case builder: hand-checked figures, definition checks, who may build, usage."""

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError

from enablement.business_cases import calculation as case_calculation
from enablement.business_cases import selectors as case_selectors
from enablement.business_cases import services as case_services
from enablement.business_cases.calculation import (
    BusinessCaseError,
    InvalidInputs,
    definition_errors,
)
from enablement.business_cases.services import build_business_case
from enablement.demo_business_cases import CONSOLIDATION_SAVINGS, MSP_SECURITY_ROI
from enablement.models import BusinessCase, BusinessCaseModel, BusinessCaseUsage
from prm.exceptions import PermissionDenied
from prm.models import AuditEvent

from .factories_programs import BusinessCaseModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roi():
    return BusinessCaseModelFactory()


def results_of(case: BusinessCase) -> dict[str, str]:
    return {row["key"]: row["value"] for row in case.results}


def test_the_msp_roi_model_with_its_defaults_matches_the_hand_computed_figures(
    roi, globex, globex_admin
):
    """Defaults: 50 seats at 9.00 a month, 6.00 of tools today, 4 incidents of 12 hours,
    a 1,500 onboarding fee; assumptions 65 an hour, 60% fewer incidents, 1.5 admin hours saved
    per seat a year."""
    case = build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="Front Range Dental", inputs={}
    )

    results = results_of(case)
    assert results["annual_subscription"] == "5400.00"  # 50 × 9.00 × 12
    assert results["first_year_price"] == "6900.00"  # 5,400 + 1,500
    assert results["tools_retired"] == "3600.00"  # 50 × 6.00 × 12
    assert results["incident_savings"] == "1872.00"  # 4 × 0.60 × 12 × 65
    assert results["admin_savings"] == "4875.00"  # 50 × 1.5 × 65
    assert results["total_benefit"] == "10347.00"  # 3,600 + 1,872 + 4,875
    assert results["net_benefit"] == "3447.00"  # 10,347 − 6,900
    assert results["payback_months"] == "8.0"  # 6,900 / (10,347 / 12) = 8.0023…
    assert results["roi"] == "0.4996"  # 3,447 / 6,900 = 0.49956…
    assert case.deal_amount == Decimal("6900.00")
    assert case.inputs == {
        "seats": "50",
        "current_cost_per_seat": "6.00",
        "incidents_per_year": "4",
        "hours_lost_per_incident": "12",
        "price_per_seat": "9.00",
        "onboarding_fee": "1500",
    }
    shown = {line.key: line.display for line in case_calculation.result_lines(case)}
    assert shown["first_year_price"] == "USD 6,900.00"
    assert shown["payback_months"] == "8.0 months"
    assert shown["roi"] == "50.0 %"


def test_the_msp_roi_model_with_a_prospects_own_figures(roi, globex, globex_admin):
    """120 seats at 8.50, 7.50 of tools today, 6 incidents a year (12 hours each)."""
    case = build_business_case(
        actor=globex_admin,
        partner=globex,
        model=roi,
        prospect_name="Summit County Credit Union",
        inputs={
            "seats": "120",
            "current_cost_per_seat": "7.50",
            "incidents_per_year": "6",
            "price_per_seat": "8.50",
        },
    )

    results = results_of(case)
    assert results["annual_subscription"] == "12240.00"  # 120 × 8.50 × 12
    assert results["first_year_price"] == "13740.00"  # 12,240 + 1,500
    assert results["tools_retired"] == "10800.00"  # 120 × 7.50 × 12
    assert results["incident_savings"] == "2808.00"  # 6 × 0.60 × 12 × 65
    assert results["admin_savings"] == "11700.00"  # 120 × 1.5 × 65
    assert results["total_benefit"] == "25308.00"  # 10,800 + 2,808 + 11,700
    assert results["net_benefit"] == "11568.00"  # 25,308 − 13,740
    assert results["payback_months"] == "6.5"  # 13,740 / (25,308 / 12) = 6.5149…
    assert results["roi"] == "0.8419"  # 11,568 / 13,740 = 0.84192…


def test_later_formulas_use_unrounded_earlier_values(globex, globex_admin):
    model = BusinessCaseModelFactory(
        name="Thirds",
        inputs=[{"key": "amount", "label": "Amount", "default": "10"}],
        assumptions={},
        formulas=[
            {"key": "third", "label": "A third", "expression": "amount / 3", "format": "money"},
            {"key": "back", "label": "Times three", "expression": "third * 3", "format": "money"},
        ],
        deal_amount_key="",
    )
    case = build_business_case(
        actor=globex_admin, partner=globex, model=model, prospect_name="P", inputs={}
    )
    # 10 / 3 is shown as 3.33, but 3.333… × 3 is 10.00, not 9.99.
    assert results_of(case) == {"third": "3.33", "back": "10.00"}
    assert case.deal_amount is None


def test_building_a_case_saves_it_counts_the_use_and_audits(roi, globex, globex_admin):
    case = build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="  Aspen Ridge  ", inputs={}
    )

    assert case.prospect_name == "Aspen Ridge"
    assert case.created_by == globex_admin and case.currency == "USD"
    usage = BusinessCaseUsage.objects.get()
    assert (usage.partner, usage.case, usage.action) == (globex, case, "built")
    event = AuditEvent.objects.for_object(case).get()
    assert event.verb == "business_case.built" and event.actor == globex_admin


@pytest.mark.parametrize(
    ("inputs", "key", "message"),
    [
        ({"seats": "0"}, "seats", "at least 1"),
        ({"seats": "many"}, "seats", "not a number"),
        ({"seats": 12.5}, "seats", "written as a string"),
        ({"seats": "1e20"}, "seats", "too large"),
        ({"discount": "5"}, "__all__", "Unknown input(s): discount"),
    ],
)
def test_bad_figures_are_refused_field_by_field(roi, globex, globex_admin, inputs, key, message):
    with pytest.raises(InvalidInputs) as caught:
        build_business_case(
            actor=globex_admin, partner=globex, model=roi, prospect_name="P", inputs=inputs
        )
    assert message in caught.value.details[key]
    assert not BusinessCase.objects.exists()


def test_a_required_input_without_default_must_be_given(globex, globex_admin):
    model = BusinessCaseModelFactory(
        name="No default",
        inputs=[{"key": "users", "label": "Users"}],
        assumptions={},
        formulas=[{"key": "x", "label": "X", "expression": "users * 2", "format": "number"}],
        deal_amount_key="",
    )
    with pytest.raises(InvalidInputs) as caught:
        build_business_case(
            actor=globex_admin, partner=globex, model=model, prospect_name="P", inputs={}
        )
    assert caught.value.details == {"users": "Enter Users."}


def test_division_by_zero_with_the_prospects_figures_is_a_clear_error(roi, globex, globex_admin):
    """No tools today, no incidents and no admin time saved: the payback divides by zero."""
    roi.assumptions = {**roi.assumptions, "admin_hours_saved_per_seat": "0"}
    roi.save()
    with pytest.raises(BusinessCaseError, match="formula Payback period: Division by zero"):
        build_business_case(
            actor=globex_admin,
            partner=globex,
            model=roi,
            prospect_name="Nothing to save",
            inputs={"current_cost_per_seat": "0", "incidents_per_year": "0"},
        )
    assert not BusinessCase.objects.exists()


def test_only_the_partners_own_people_build_cases(roi, globex, acme_admin, cam, ops, other_cam):
    for outsider in (acme_admin, cam, ops, other_cam):
        with pytest.raises(PermissionDenied):
            build_business_case(
                actor=outsider, partner=globex, model=roi, prospect_name="P", inputs={}
            )


def test_a_model_is_offered_only_to_its_business_models_and_when_published(
    roi, acme, acme_admin, globex, globex_admin
):
    with pytest.raises(BusinessCaseError, match="not offered to Reseller"):
        build_business_case(actor=acme_admin, partner=acme, model=roi, prospect_name="P", inputs={})
    roi.published = False
    roi.save()
    with pytest.raises(BusinessCaseError, match="not published"):
        build_business_case(
            actor=globex_admin, partner=globex, model=roi, prospect_name="P", inputs={}
        )


def test_models_listed_per_user(roi, acme_admin, globex_admin, cam, ops):
    draft = BusinessCaseModelFactory(name="Draft model", published=False, business_models=[])
    general = BusinessCaseModelFactory(name="General model", business_models=[])
    mssp_only = BusinessCaseModelFactory(name="MSSP only", business_models=["mssp"])

    assert set(case_selectors.business_case_models_for(globex_admin)) == {roi, general}
    assert set(case_selectors.business_case_models_for(acme_admin)) == {general}
    assert set(case_selectors.business_case_models_for(cam)) == {roi, general, mssp_only}
    assert set(case_selectors.business_case_models_for(ops)) == {roi, general, mssp_only, draft}


def test_the_deal_registration_link_carries_the_prospect_amount_and_case(roi, globex, globex_admin):
    case = build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="Dental & Co", inputs={}
    )
    url = urlparse(case_selectors.deal_registration_url(case))
    assert url.path == "/deals/new/"
    assert parse_qs(url.query) == {
        "customer_name": ["Dental & Co"],
        "estimated_amount": ["6900.00"],
        "business_case": [str(case.pk)],
    }


def test_usage_counts_per_partner(roi, globex, globex_admin, acme):
    case = build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="P", inputs={}
    )
    case_services.record_case_usage(case=case, actor=globex_admin, action="pdf")
    case_services.record_case_usage(case=case, actor=globex_admin, action="pdf")
    case_services.record_case_usage(case=case, actor=globex_admin, action="deal_link")

    assert case_selectors.usage_counts(partner_ids=[globex.pk, acme.pk]) == {
        globex.pk: {"built": 1, "pdf": 2, "deal_link": 1}
    }


def test_the_case_pdf_is_rendered_with_the_partners_branding(roi, globex, globex_admin):
    case = build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="Front Range", inputs={}
    )
    pdf = case_selectors.render_business_case_pdf(case)
    assert pdf.startswith(b"%PDF")


# --- Definitions ------------------------------------------------------------------------------


def test_the_demo_models_are_valid():
    for spec in (MSP_SECURITY_ROI, CONSOLIDATION_SAVINGS):
        assert (
            definition_errors(
                inputs=spec["inputs"],
                assumptions=spec["assumptions"],
                formulas=spec["formulas"],
                deal_amount_key=spec["deal_amount_key"],
            )
            == {}
        )


def formula(expression: str, *, fmt: str = "money") -> dict:
    return {"key": "t", "label": "T", "expression": expression, "format": fmt}


def errors_for(**changes) -> dict:
    spec = {
        "inputs": [{"key": "seats", "label": "Seats", "default": "10", "min": "1"}],
        "assumptions": {"rate": "0.5"},
        "formulas": [
            {"key": "total", "label": "Total", "expression": "seats * rate", "format": "money"}
        ],
        "deal_amount_key": "total",
    }
    spec.update(changes)
    return definition_errors(**spec)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"inputs": []}, "inputs", "at least one input"),
        ({"inputs": [{"key": "Seats", "label": "S"}]}, "inputs", "must start with a lower-case"),
        ({"inputs": [{"key": "min", "label": "S"}]}, "inputs", "is a function name"),
        ({"inputs": [{"key": "seats"}]}, "inputs", "needs a label"),
        ({"inputs": [{"key": "seats", "label": "S", "default": 2.5}]}, "inputs", "as a string"),
        ({"assumptions": {"rate": "half"}}, "assumptions", "not a number"),
        ({"assumptions": {"seats": "1"}}, "assumptions", "seats is used twice"),
        ({"formulas": []}, "formulas", "at least one formula"),
        (
            {"formulas": [formula("seats * 2", fmt="euro")]},
            "formulas",
            "format must be one of",
        ),
        (
            {"formulas": [formula("seats.x")]},
            "formulas",
            "Formula 1 (t): Attribute access",
        ),
        (
            {"formulas": [formula("exec(1)")]},
            "formulas",
            "Only the functions min, max and round",
        ),
        (
            {"formulas": [formula("seats ** 99")]},
            "formulas",
            "The operator ** is not allowed",
        ),
        (
            {"formulas": [formula("seats * tax")]},
            "formulas",
            "Unknown name(s): tax",
        ),
        (
            {
                "formulas": [
                    {"key": "a", "label": "A", "expression": "b + 1", "format": "number"},
                    {"key": "b", "label": "B", "expression": "seats", "format": "number"},
                ]
            },
            "formulas",
            "Formula 1 (a): Unknown name(s): b",
        ),
        (
            {"formulas": [formula("seats / (rate - 0.5)")], "deal_amount_key": ""},
            "formulas",
            "With the default inputs, formula T: Division by zero",
        ),
        ({"deal_amount_key": "price"}, "deal_amount_key", "price is not an input or a formula"),
    ],
)  # fmt: skip
def test_definition_errors_are_reported_by_field(changes, field, message):
    errors = errors_for(**changes)
    assert any(message in text for text in errors[field]), errors


def test_model_clean_raises_the_definition_errors_as_field_errors():
    model = BusinessCaseModel(
        name="Broken",
        inputs=[{"key": "seats", "label": "Seats"}],
        assumptions={},
        formulas=[{"key": "t", "label": "T", "expression": "seats ** 2", "format": "money"}],
    )
    with pytest.raises(ValidationError) as caught:
        model.full_clean()
    assert "formulas" in caught.value.message_dict
