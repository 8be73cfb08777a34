"""The rest of the portal's deal and lead actions in the API, each through the portal's service:
editing a registration, registering many at once (per-item results), deciding an extension,
and closing, offering and routing a lead."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from deals import selectors, services
from deals.leads import services as lead_services
from deals.services.external import bulk_register
from partners.selectors import partners_visible_to
from prm.api.schema import error_responses
from prm.exceptions import DomainError

from . import serializers as s

_errors = error_responses


class RegistrationUpdateInputSerializer(s.RegistrationFieldsSerializer):
    """Only the fields sent change (PATCH)."""

    external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class BulkItemSerializer(s.RegistrationFieldsSerializer):
    external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BulkInputSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=s.DealRegistration.objects.none(),
        required=False,
        help_text="Partner id; needed only when you may register for several partners.",
    )
    submit = serializers.BooleanField(default=True)
    items = BulkItemSerializer(many=True, max_length=500, min_length=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["partner"].queryset = selectors.registrable_partners(request.user)

    # The same default partner rule as a single registration.
    validate = s.RegistrationInputSerializer.validate


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["created", "failed"])
    registration = s.RegistrationOutputSerializer(allow_null=True)
    error = serializers.DictField(allow_null=True, help_text="The error shape's inner object.")


class BulkOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkResultSerializer(many=True)


class ExtensionDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class LeadOfferInputSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class RegistrationActionsMixin:
    @extend_schema(
        summary="Edit a draft or a registration waiting for information (fields sent change)",
        request=RegistrationUpdateInputSerializer,
        responses={200: s.RegistrationOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        registration = self.get_object()
        data = dict(self.validated_input(RegistrationUpdateInputSerializer))
        if "product_lines" in data:
            data["product_lines"] = tuple(data["product_lines"])
        registration = services.update_registration(
            registration=registration, actor=request.user, **data
        )
        return self._respond(registration)

    @extend_schema(
        summary="Register many deals at once (the portal's CSV import): a result per item",
        description=(
            "Each item is checked as a single registration would be; items that pass are "
            "created (and submitted unless `submit` is false), the others answer their error. "
            "An item is created whole or not at all."
        ),
        request=BulkInputSerializer,
        responses={200: BulkOutputSerializer, **_errors(400, 403, 409)},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        data = self.validated_input(BulkInputSerializer)
        items = [dict(item) for item in data["items"]]
        for item in items:
            if "product_lines" in item:
                item["product_lines"] = tuple(item["product_lines"])
        outcomes = bulk_register(
            actor=request.user, partner=data["partner"], items=items, submit=data["submit"]
        )
        visible = self.get_queryset().in_bulk(
            [o.pk for o in outcomes if not isinstance(o, DomainError)]
        )
        results = []
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, DomainError):
                error = {
                    "code": outcome.code,
                    "message": outcome.message,
                    "details": outcome.details,
                }
                results.append(
                    {"index": index, "outcome": "failed", "registration": None, "error": error}
                )
            else:
                row = s.RegistrationOutputSerializer(visible[outcome.pk]).data
                results.append(
                    {"index": index, "outcome": "created", "registration": row, "error": None}
                )
        created = sum(1 for r in results if r["outcome"] == "created")
        body = {"created": created, "failed": len(results) - created, "results": results}
        return Response(BulkOutputSerializer(body).data)

    @extend_schema(
        summary="Decide a request for longer protection (the partner's CAM or ops)",
        request=ExtensionDecisionInputSerializer,
        responses={200: s.ExtensionOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path=r"extensions/(?P<extension_id>[0-9]+)/decide",
    )
    def extensions_decide(self, request, extension_id=None):
        extension = selectors.get_extension_for_review(request.user, extension_id)
        data = self.validated_input(ExtensionDecisionInputSerializer)
        extension = services.decide_extension(
            extension=extension,
            actor=request.user,
            approve=data["approve"],
            reason=data.get("reason", ""),
        )
        return Response(s.ExtensionOutputSerializer(extension).data)


def _lead_action(summary: str, request=None):
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: s.LeadOutputSerializer, **_errors(400, 403, 404, 409)},
    )


class LeadActionsMixin:
    @_lead_action("Close a lead, with a reason (vendor staff)", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        lead = self.get_object()
        data = self.validated_input(s.ReasonInputSerializer)
        return self._respond(lead_services.close_lead(lead=lead, actor=request.user, **data))

    @_lead_action(
        "Offer a lead to a partner by hand (ops, or the partner's CAM)", LeadOfferInputSerializer
    )
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        lead = self.get_object()
        data = self.validated_input(LeadOfferInputSerializer)
        partner = get_object_or_404(partners_visible_to(request.user), pk=data["partner"])
        lead_services.offer_lead(lead=lead, partner=partner, actor=request.user)
        return self._respond(lead)

    @_lead_action("Offer a lead through the routing rules (it stays unoffered if none matches)")
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        lead = self.get_object()
        with transaction.atomic():
            lead_services.route_lead(lead=lead, actor=request.user)
        return self._respond(lead, status.HTTP_200_OK)
