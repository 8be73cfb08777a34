"""Input and output of the certification import endpoints."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from prm.api.schema import named_choice_field

from ..imports import FAILED, IMPORTED, UNCHANGED
from ..models import CertificationImport

ImportStatusField = named_choice_field("CertificationImportStatusEnum", CertificationImport.Status)


class CertificationImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, help_text="The learning system's CSV export.")


class CertificationImportSerializer(serializers.ModelSerializer):
    status = ImportStatusField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)
    imported_by = serializers.EmailField(
        source="imported_by.email", read_only=True, allow_null=True, default=None
    )
    url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = CertificationImport
        fields = [
            "id",
            "file_name",
            "status",
            "row_count",
            "rows_done",
            "percent",
            "is_finished",
            "imported",
            "unchanged",
            "failed",
            "error",
            "imported_by",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
            "url",
            "report_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, run) -> str:
        return reverse(
            "certification-import-detail", args=[run.pk], request=self.context.get("request")
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_report_url(self, run) -> str:
        return reverse(
            "certification-import-report", args=[run.pk], request=self.context.get("request")
        )


class ImportReportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the file (the header is line 1).")
    email = serializers.CharField()
    certification_code = serializers.CharField()
    outcome = serializers.ChoiceField(choices=[IMPORTED, UNCHANGED, FAILED])
    reason = serializers.CharField(help_text="Why a row failed; empty otherwise.")
    person_certification_id = serializers.IntegerField(allow_null=True)
