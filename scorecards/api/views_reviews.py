"""Starting a quarterly tier review and deciding or applying many proposals at once, as the
portal's review pages do (program ops), through the review services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.api.permissions import IsProgramOps
from prm.api.schema import error_responses

from ..review import applying, decisions, selectors, services
from . import serializers as s

_errors = error_responses
APPROVE, OVERRIDE, APPLY = "approve", "override", "apply"


class StartReviewInputSerializer(serializers.Serializer):
    quarter = serializers.CharField(max_length=10, help_text="A fiscal quarter, e.g. FY2026-Q3.")


class BulkProposalInputSerializer(s.DecisionInputSerializer):
    op = serializers.ChoiceField(choices=[APPROVE, OVERRIDE, APPLY])
    approve = serializers.BooleanField(required=False, default=True)
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=5000,
        help_text="Proposal ids of this review.",
    )
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class BulkProposalOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Proposals decided.")


class TierReviewActionsMixin:
    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in {"create", "bulk", "application", "resume_application"}:
            permissions.append(IsProgramOps())
        return permissions

    @extend_schema(
        summary="Start the tier review of a quarter, or start it again (program ops)",
        request=StartReviewInputSerializer,
        responses={201: s.TierReviewSerializer, **_errors(400, 403)},
    )
    def create(self, request):
        data = self.validated_input(StartReviewInputSerializer)
        review = services.start_review(quarter=data["quarter"], actor=request.user)
        review = self.get_queryset().get(pk=review.pk)
        return Response(s.TierReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve or override many proposals of the review at once (all or none), or "
        "apply them",
        description=(
            "`approve` and `override` decide every proposal named, or none, and answer with the "
            "count. `apply` queues a job that a worker runs (each proposal changes a tier, "
            "writes its history and notifies the partner) and answers 202 with the job: poll "
            "`applications/{application_id}/` for its progress. A proposal that cannot be "
            "applied (not decided, applied already, its partner changed tier since the review) "
            "is left as it is and listed under `skipped` with the reason."
        ),
        request=BulkProposalInputSerializer,
        responses={
            200: BulkProposalOutputSerializer,
            202: s.ProposalApplicationSerializer,
            **_errors(400, 403, 404, 409),
        },
    )
    @action(detail=True, methods=["post"])
    def bulk(self, request, pk=None):
        review = self.get_object()
        data = self.validated_input(BulkProposalInputSerializer)
        chosen = list(
            selectors.search_proposals(request.user, review=review).filter(pk__in=data["proposals"])
        )
        if len(chosen) != len(set(data["proposals"])):
            # All or none: a selection naming anything else is refused whole.
            raise serializers.ValidationError(
                {"proposals": ["Not all of these are proposals of this review."]}
            )
        if data["op"] == APPLY:
            job = applying.start_application(
                review=review,
                proposals=chosen,
                actor=request.user,
                effective_on=data["effective_on"],
            )
            job = selectors.get_application_for_user(request.user, job.pk)
            return Response(
                s.ProposalApplicationSerializer(job).data, status=status.HTTP_202_ACCEPTED
            )
        count = decisions.decide_proposals(
            proposals=chosen,
            actor=request.user,
            approve=data["op"] == APPROVE,
            reason=data["reason"],
            tier=data["tier"],
        )
        return Response({"count": count})

    @extend_schema(
        summary="A bulk application of the review's proposals: its progress and outcome "
        "(program ops)",
        responses={200: s.ProposalApplicationSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["get"], url_path=r"applications/(?P<application_id>[0-9]+)")
    def application(self, request, pk=None, application_id=None):
        return Response(s.ProposalApplicationSerializer(self._application(application_id)).data)

    @extend_schema(
        summary="Continue a bulk application that stopped (program ops); proposals applied "
        "already are not applied again",
        request=None,
        responses={202: s.ProposalApplicationSerializer, **_errors(403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"applications/(?P<application_id>[0-9]+)/resume",
    )
    def resume_application(self, request, pk=None, application_id=None):
        job = applying.resume_application(
            application=self._application(application_id), actor=request.user
        )
        return Response(
            s.ProposalApplicationSerializer(self._application(job.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )

    def _application(self, application_id):
        review = self.get_object()
        return get_object_or_404(
            selectors.applications_visible_to(self.request.user).filter(review=review),
            pk=application_id,
        )
