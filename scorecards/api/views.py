"""Tier review endpoints under /api/v1/. Thin adapters: every queryset comes from a scoped
selector (anything outside the caller's scope is a 404) and every write is one service call."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partner
from partners.selectors import get_partner_for_user
from prm.api.filters import IdFilter
from prm.api.schema import error_responses
from prm.api.views import ListMixin, ServiceViewSet

from ..models import TierProposal, TierReview
from ..review import decisions, selectors
from . import serializers as s
from .views_reviews import TierReviewActionsMixin

_errors = error_responses


class TierReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TierReview.Status.choices)

    class Meta:
        model = TierReview
        fields = ["status"]


@extend_schema_view(
    list=extend_schema(summary="Tier reviews (program ops)"),
    retrieve=extend_schema(summary="One tier review with its progress and counts"),
)
class TierReviewViewSet(
    TierReviewActionsMixin, ListMixin, mixins.RetrieveModelMixin, ServiceViewSet
):
    api_area = "scorecards"
    queryset = TierReview.objects.none()
    serializer_class = s.TierReviewSerializer
    filterset_class = TierReviewFilter
    ordering_fields = ["period_start"]
    ordering = ["-period_start", "-id"]

    def get_queryset(self):
        return selectors.reviews_visible_to(self.request.user)


class TierProposalFilter(django_filters.FilterSet):
    review = IdFilter(field_name="review_id", help_text=_("Tier review id."))
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    action = django_filters.ChoiceFilter(choices=TierProposal.Action.choices)
    decision = django_filters.ChoiceFilter(choices=TierProposal.Decision.choices)

    class Meta:
        model = TierProposal
        fields = ["review", "partner", "action", "decision"]


@extend_schema_view(
    list=extend_schema(summary="Tier proposals in your scope"),
    retrieve=extend_schema(summary="One tier proposal with its reasons and metrics"),
)
class TierProposalViewSet(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    api_area = "scorecards"
    queryset = TierProposal.objects.none()
    serializer_class = s.TierProposalSerializer
    filterset_class = TierProposalFilter
    ordering_fields = ["created_at", "score"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.proposals_visible_to(self.request.user)

    def _answer(self, proposal) -> Response:
        return Response(s.TierProposalSerializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(
        summary="Approve, or override with a reason (program ops)",
        request=s.DecisionInputSerializer,
        responses={200: s.TierProposalSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="decision")
    def decision(self, request, pk=None):
        proposal = self.get_object()
        data = self.validated_input(s.DecisionInputSerializer)
        decisions.decide_proposal(
            proposal=proposal,
            actor=request.user,
            approve=data["approve"],
            reason=data["reason"],
            tier=data["tier"],
        )
        return self._answer(proposal)

    @extend_schema(
        summary="Apply a decided proposal from an effective date (program ops)",
        request=s.ApplyInputSerializer,
        responses={200: s.TierProposalSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="apply")
    def apply(self, request, pk=None):
        proposal = self.get_object()
        data = self.validated_input(s.ApplyInputSerializer)
        decisions.apply_proposals(
            proposals=[proposal], actor=request.user, effective_on=data["effective_on"]
        )
        return self._answer(proposal)


class PartnerTierProposalsView(generics.ListAPIView):
    """The partner's tier review outcomes, newest quarter first: what was applied, and the
    warnings it received (proposals still under review are internal)."""

    api_area = "partners"
    serializer_class = s.TierProposalSerializer
    queryset = TierProposal.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TierProposal.objects.none()
        partner: Partner = get_partner_for_user(self.request.user, self.kwargs["partner_id"])
        return selectors.proposal_history_for(self.request.user, partner)

    @extend_schema(
        summary="A partner's tier review history",
        responses={200: s.TierProposalSerializer(many=True), **_errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
