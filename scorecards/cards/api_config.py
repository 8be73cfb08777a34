"""Program operations' scorecard endpoints: templates (weighted criteria per business model) and
the runs computing a quarter's scorecards. Thin adapters over ``scorecards.cards`` services;
both are visible to program ops only, as in the portal."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from partners.api.permissions import IsProgramOps
from partners.models import BusinessModel
from prm.api.schema import error_responses, named_choice_field
from prm.api.views import ListMixin, ServiceViewSet

from . import selectors, services
from .criteria import Criterion, Source
from .models import ScorecardRun, ScorecardTemplate

_errors = error_responses
RunStatusField = named_choice_field("ScorecardRunStatusEnum", ScorecardRun.Status)


class TemplateBusinessModel:
    """The business models a template may cover; blank is the default template."""

    choices = [("", _("Default: every other business model")), *BusinessModel.choices]


TemplateBusinessModelField = named_choice_field(
    "ScorecardTemplateBusinessModelEnum", TemplateBusinessModel
)
CriterionField = named_choice_field("ScorecardCriterionEnum", Criterion)
SourceField = named_choice_field("ScorecardCriterionSourceEnum", Source)


class OpsScorecardApiView(ServiceViewSet):
    api_area = "scorecards"
    permission_classes = [*ServiceViewSet.permission_classes, IsProgramOps]
    filter_backends: list = []


# --- Templates --------------------------------------------------------------------------------


class TemplateCriterionSerializer(serializers.Serializer):
    criterion = CriterionField()
    source = SourceField()
    weight = serializers.IntegerField(min_value=1, max_value=100)
    target = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Measured criteria: the value that earns full marks (above 0)."),
    )


class ScorecardTemplateSerializer(serializers.ModelSerializer):
    business_model = TemplateBusinessModelField(allow_blank=True, read_only=True)
    criteria = TemplateCriterionSerializer(many=True, read_only=True)
    updated_by = serializers.EmailField(
        source="updated_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ScorecardTemplate
        fields = [
            "id",
            "name",
            "business_model",
            "green_from",
            "amber_from",
            "criteria",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


class ScorecardTemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    business_model = TemplateBusinessModelField(
        allow_blank=True,
        help_text=_("Empty: the default template, for every other business model."),
    )
    green_from = serializers.IntegerField(min_value=0, max_value=100)
    amber_from = serializers.IntegerField(min_value=0, max_value=100)
    criteria = TemplateCriterionSerializer(many=True, min_length=1, max_length=len(Criterion))


@extend_schema_view(
    list=extend_schema(summary="Scorecard templates (program ops)"),
    retrieve=extend_schema(summary="One scorecard template with its weighted criteria"),
    create=extend_schema(
        summary="Add a template for a business model (program ops)",
        request=ScorecardTemplateInputSerializer,
        responses={201: ScorecardTemplateSerializer, **_errors(400, 403, 409)},
    ),
    update=extend_schema(
        summary="Replace a template's name, thresholds and criteria (program ops)",
        request=ScorecardTemplateInputSerializer,
        responses={200: ScorecardTemplateSerializer, **_errors(400, 403, 404, 409)},
    ),
)
class ScorecardTemplateViewSet(ListMixin, mixins.RetrieveModelMixin, OpsScorecardApiView):
    """Scorecards already computed keep the criteria they were computed with; the next run
    uses the template as changed."""

    queryset = ScorecardTemplate.objects.none()
    serializer_class = ScorecardTemplateSerializer

    def get_queryset(self):
        return selectors.templates_visible_to(self.request.user)

    def _save(self, template: ScorecardTemplate | None) -> ScorecardTemplate:
        data = dict(self.validated_input(ScorecardTemplateInputSerializer))
        criteria = [dict(row) for row in data.pop("criteria")]
        return services.save_template(
            actor=self.request.user, template=template, criteria=criteria, **data
        )

    def create(self, request, *args, **kwargs):
        template = self.get_queryset().get(pk=self._save(None).pk)
        return Response(ScorecardTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        template = self.get_queryset().get(pk=self._save(self.get_object()).pk)
        return Response(ScorecardTemplateSerializer(template).data)


# --- Runs -------------------------------------------------------------------------------------


class ScorecardRunSerializer(serializers.ModelSerializer):
    status = RunStatusField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)
    started_by = serializers.EmailField(
        source="started_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ScorecardRun
        fields = [
            "id",
            "quarter",
            "status",
            "partners_total",
            "partners_done",
            "percent",
            "is_finished",
            "computed_count",
            "kept_count",
            "error",
            "started_by",
            "created_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields


class StartRunInputSerializer(serializers.Serializer):
    quarter = serializers.CharField(
        max_length=10, help_text=_("A fiscal quarter that has started, e.g. 2027-Q1.")
    )


@extend_schema_view(
    list=extend_schema(summary="Scorecard computation runs, newest first (program ops)"),
    retrieve=extend_schema(summary="One run with its progress"),
    create=extend_schema(
        summary="Compute every active partner's scorecard for a quarter (a background job)",
        description=(
            "Answers 202 with the run; follow its progress with `GET` until `is_finished`. A "
            "run of the same quarter that has not finished is queued again and returned."
        ),
        request=StartRunInputSerializer,
        responses={202: ScorecardRunSerializer, **_errors(400, 403)},
    ),
)
class ScorecardRunViewSet(ListMixin, mixins.RetrieveModelMixin, OpsScorecardApiView):
    queryset = ScorecardRun.objects.none()
    serializer_class = ScorecardRunSerializer

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.validated_input(StartRunInputSerializer)
        run = services.start_run(quarter=data["quarter"], actor=request.user)
        run = self.get_queryset().get(pk=run.pk)
        return Response(ScorecardRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
