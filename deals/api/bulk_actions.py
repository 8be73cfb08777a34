"""The portal's bulk actions on deal lists, in the API: deciding many registrations with one
reason and offering many leads to one partner. Each runs the same per-row service as the portal's
bulk view (``decide_registrations``, ``offer_leads``): one row's refusal leaves nothing of that
row behind and does not stop the others; the answer lists every row's outcome."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from deals.leads import selectors as lead_selectors
from deals.leads.bulk import offer_leads
from deals.services.bulk_decisions import decide_registrations
from partners.api.permissions import IsInternalStaff
from partners.models import Partner
from prm.api.bulk import BulkActionResultSerializer, bulk_ids, bulk_response, unique_ids
from prm.api.schema import error_responses
from prm.api.views import ServiceViewSet

STAFF_ONLY = [*ServiceViewSet.permission_classes, IsInternalStaff]
APPROVE, REJECT = "approve", "reject"


class BulkDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[APPROVE, REJECT])
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True,
        help_text="Sent to each partner; required to reject.",
    )  # fmt: skip
    registrations = bulk_ids("Registration ids.")


class BulkOfferInputSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.none(),
        help_text="An active partner you may offer leads to (ops: any; a CAM: their own).",
    )
    leads = bulk_ids("Lead ids.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["partner"].queryset = lead_selectors.offerable_partners(request.user)


class RegistrationBulkMixin:
    @extend_schema(
        summary="Approve or reject several registrations with one reason (the partner's CAM "
        "or ops): a result per registration",
        request=BulkDecisionInputSerializer,
        responses={200: BulkActionResultSerializer, **error_responses(400, 403)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-decide", permission_classes=STAFF_ONLY)
    def bulk_decide(self, request):
        data = self.validated_input(BulkDecisionInputSerializer)
        result = decide_registrations(
            actor=request.user,
            ids=unique_ids(data["registrations"]),
            approve=data["decision"] == APPROVE,
            reason=data.get("reason", ""),
        )
        return bulk_response(result)


class LeadBulkMixin:
    @extend_schema(
        summary="Offer several leads to one partner (ops, or the partner's CAM): a result per lead",
        request=BulkOfferInputSerializer,
        responses={200: BulkActionResultSerializer, **error_responses(400, 403)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-offer", permission_classes=STAFF_ONLY)
    def bulk_offer(self, request):
        data = self.validated_input(BulkOfferInputSerializer)
        result = offer_leads(
            actor=request.user, ids=unique_ids(data["leads"]), partner=data["partner"]
        )
        return bulk_response(result)
