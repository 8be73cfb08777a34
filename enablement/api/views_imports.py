"""Certification imports under /api/v1/certification-imports/ (program ops): the portal's
background import job. A POST stores the CSV and queues the job (202 with the job); the job's
progress and its line-numbered report are read with GETs until it is done."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from partners.api.permissions import IsProgramOps
from prm.api.pagination import PagePagination
from prm.api.schema import error_responses
from prm.api.views import ListMixin

from .. import imports, selectors
from ..models import CertificationImport
from . import serializers_imports as s
from .views import EnablementApiView

_errors = error_responses


@extend_schema_view(
    list=extend_schema(summary="Certification imports, newest first (program ops)"),
    retrieve=extend_schema(summary="One import: its status, progress and outcome counts"),
)
class CertificationImportViewSet(ListMixin, mixins.RetrieveModelMixin, EnablementApiView):
    queryset = CertificationImport.objects.none()
    serializer_class = s.CertificationImportSerializer
    permission_classes = [*EnablementApiView.permission_classes, IsProgramOps]
    parser_classes = [MultiPartParser]
    filter_backends: list = []
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.certification_imports_visible_to(self.request.user)

    @extend_schema(
        summary="Import completions from a CSV file (multipart): queued, answered 202",
        description=(
            "Columns `email, certification_code, earned_on` and optionally `external_id, "
            "office`. The file is checked up front (encoding, header, row limit: a 400 when it "
            "cannot be imported at all) and stored; a background job records it row by row. "
            "Follow `Location` (or `url`) until `status` is `done`, then read the `report`. "
            "Importing the same file twice changes nothing."
        ),
        request={"multipart/form-data": s.CertificationImportInputSerializer},
        responses={202: s.CertificationImportSerializer, **_errors(400, 403)},
    )
    def create(self, request, *args, **kwargs):
        data = self.validated_input(s.CertificationImportInputSerializer)
        upload = data["file"]
        run = imports.start_import(
            actor=request.user, data=imports.read_upload(upload), file_name=upload.name
        )
        run = self.get_queryset().get(pk=run.pk)
        body = s.CertificationImportSerializer(run, context=self.get_serializer_context()).data
        response = Response(body, status=status.HTTP_202_ACCEPTED)
        response["Location"] = body["url"]
        return response

    @extend_schema(
        summary="The import's report: one row per line of the file, with its outcome",
        responses={200: s.ImportReportRowSerializer(many=True), **_errors(404)},
    )
    # Pages by number: the report is a list kept on the import, not rows with a change order.
    @action(detail=True, methods=["get"], pagination_class=PagePagination)
    def report(self, request, pk=None):
        run = selectors.get_import(self.get_object().pk)
        page = self.paginate_queryset(run.report)
        return self.get_paginated_response(s.ImportReportRowSerializer(page, many=True).data)
