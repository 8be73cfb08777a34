"""Writes for business cases: building and saving a case, and counting its use."""

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import BusinessModel, Partner
from partners.selectors import partner_access
from prm.audit import record_event
from prm.exceptions import PermissionDenied
from prm.models import User
from prm.money import CURRENCY_DECIMALS, quantize
from prm.permissions import require_program_ops

from ..models import BusinessCase, BusinessCaseModel, BusinessCaseUsage
from .calculation import (
    BusinessCaseError,
    InvalidInputs,
    calculate,
    definition_errors,
    parse_inputs,
)


def _check_can_build(actor: User, partner: Partner, model: BusinessCaseModel) -> None:
    if partner.pk not in partner_access(actor).member_of:
        raise PermissionDenied(_("Business cases are built by the partner's own people."))
    if not model.published:
        raise BusinessCaseError(_("This business-case model is not published."))
    if model.business_models and partner.business_model not in model.business_models:
        raise BusinessCaseError(
            _("This business-case model is not offered to %(model)s partners.")
            % {"model": BusinessModel(partner.business_model).label}
        )


@transaction.atomic
def build_business_case(
    *,
    actor: User,
    partner: Partner,
    model: BusinessCaseModel,
    prospect_name: str,
    inputs: Mapping,
    currency: str | None = None,
) -> BusinessCase:
    """Compute and save a business case for one of the partner's prospects."""
    _check_can_build(actor, partner, model)
    prospect_name = (prospect_name or "").strip()
    if not prospect_name:
        raise InvalidInputs(
            _("Name the prospect."), details={"prospect_name": _("Name the prospect.")}
        )
    currency = (currency or model.currency).upper()
    if currency not in CURRENCY_DECIMALS:
        raise InvalidInputs(
            _("Unknown currency %(code)s.") % {"code": currency},
            details={"currency": _("Unknown currency.")},
        )
    values = parse_inputs(model, inputs)
    lines = calculate(model, values, currency)
    amounts = {line.key: line.value for line in lines} | values
    deal_amount = amounts.get(model.deal_amount_key) if model.deal_amount_key else None
    case = BusinessCase.objects.create(
        partner=partner,
        created_by=actor,
        model=model,
        prospect_name=prospect_name[:200],
        inputs={key: str(value) for key, value in values.items()},
        results=[
            {"key": line.key, "label": line.label, "format": line.format, "value": str(line.value)}
            for line in lines
        ],
        deal_amount=quantize(deal_amount, currency) if deal_amount is not None else None,
        currency=currency,
    )
    BusinessCaseUsage.objects.create(
        partner=partner, user=actor, model=model, case=case, action=BusinessCaseUsage.Action.BUILT
    )
    record_event(case, actor=actor, verb="business_case.built", data={"model": model.name})
    return case


@transaction.atomic
def save_business_case_model(
    *, actor: User, model: BusinessCaseModel, changed: Iterable[str] = ()
) -> BusinessCaseModel:
    """Save a business-case model edited as a whole (the admin's form). Its definition is checked
    again here (``BusinessCaseModel.clean``), whatever form it came from."""
    require_program_ops(actor, _("Only program operations configure business-case models."))
    errors = definition_errors(
        inputs=model.inputs,
        assumptions=model.assumptions,
        formulas=model.formulas,
        deal_amount_key=model.deal_amount_key,
    )
    if errors:
        raise BusinessCaseError(
            _("The model's definition is invalid."), code="invalid_definition", details=errors
        )
    created = model.pk is None
    if created:
        model.created_by = actor
    model.save()
    record_event(
        model,
        actor=actor,
        verb="business_case_model.created" if created else "business_case_model.updated",
        data={"fields": list(changed)},
    )
    return model


def record_case_usage(*, case: BusinessCase, actor: User, action: str) -> BusinessCaseUsage:
    """Count a PDF download or a deal registration started from a case."""
    return BusinessCaseUsage.objects.create(
        partner_id=case.partner_id, user=actor, model_id=case.model_id, case=case, action=action
    )
