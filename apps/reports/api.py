"""The PDF report over the API, opened by the prospect's private token."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.assessments.api import ErrorOutput, TokenAPIView

from . import pdf

StateOutput = inline_serializer("ReportState", {"status": serializers.CharField()})


class ReportPdfView(TokenAPIView):
    @extend_schema(
        operation_id="assessments_report_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            202: StateOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        },
        summary="Download the PDF report, or learn that it is being rendered",
        description=(
            "Authorised by the prospect's private token in the URL alone; a staff session "
            "grants nothing here (sales share links from the dashboard). Throttle scope "
            "`share`. Unknown tokens answer 404."
        ),
    )
    def get(self, request: Request, token: str) -> Response | FileResponse:
        assessment = self.assessment(token)
        if not assessment.is_scored():
            return Response({"detail": "The assessment is not scored yet."}, status=409)
        if pdf.is_report_current(assessment):
            name = pdf.stored_name(assessment, show_contact=True)
            try:
                handle = default_storage.open(name, "rb")
            except FileNotFoundError:
                pdf.forget_missing(assessment)
            else:
                filename = pdf.download_filename(assessment, show_contact=True)
                return FileResponse(
                    handle, as_attachment=True, filename=filename, content_type="application/pdf"
                )
        pdf.queue_render(assessment)
        return Response({"status": "rendering"}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path(
        "assessments/<str:token>/report.pdf",
        ReportPdfView.as_view(),
        name="api-assessment-report-pdf",
    ),
]
