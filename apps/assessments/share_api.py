"""API for share links and the PDF report, authorised by the prospect's private token.

The private token in the URL is the only credential: a staff session adds nothing here
(sales work from the dashboard), so these views skip session authentication and CSRF.
"""

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from . import reports, sharing
from .models import Assessment, ShareLink
from .sharing import MAX_DAYS, MIN_DAYS


class JsonOnlyNegotiation(BaseContentNegotiation):
    """Errors and states are JSON whatever the client accepts (the PDF bypasses renderers)."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ShareLinkInput(serializers.Serializer):
    label = serializers.CharField(max_length=120, help_text="Who the link is for.")
    expires_in_days = serializers.IntegerField(
        min_value=MIN_DAYS, max_value=MAX_DAYS, required=False, help_text="Default 30."
    )


class ShareLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Shown only in this response; stored as a hash.")
    expires_at = serializers.DateTimeField()


StateOutput = inline_serializer("ReportState", {"status": serializers.CharField()})
ErrorOutput = inline_serializer("ShareError", {"detail": serializers.CharField()})


class TokenAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "share"
    content_negotiation_class = JsonOnlyNegotiation

    def assessment(self, token: str) -> Assessment:
        assessment = sharing.assessment_for_token(token)
        if assessment is None:
            raise NotFound
        return assessment


class ShareLinksView(TokenAPIView):
    @extend_schema(
        operation_id="assessments_share_links_create",
        request=ShareLinkInput,
        responses={
            201: ShareLinkOutput,
            400: OpenApiResponse(description="Invalid label or expiry."),
            404: ErrorOutput,
            409: ErrorOutput,
        },
        summary="Create a share link (token shown once)",
        description=(
            "Authorised by the prospect's private token in the URL alone; a staff session "
            "grants nothing here (sales share links from the dashboard). Throttle scope "
            "`share`. Unknown tokens answer 404."
        ),
    )
    def post(self, request: Request, token: str) -> Response:
        assessment = self.assessment(token)
        if assessment.result is None:
            return Response({"detail": "The assessment is not scored yet."}, status=409)
        data = ShareLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        new = sharing.create_share_link(assessment=assessment, **data.validated_data)
        body = {"id": new.link.pk, "url": new.url, "expires_at": new.link.expires_at}
        return Response(ShareLinkOutput(body).data, status=status.HTTP_201_CREATED)


class ShareLinkView(TokenAPIView):
    @extend_schema(
        operation_id="assessments_share_links_revoke",
        responses={204: None, 404: ErrorOutput},
        summary="Revoke a share link",
        description=(
            "Authorised by the prospect's private token in the URL alone; a staff session "
            "grants nothing here (sales share links from the dashboard). Throttle scope "
            "`share`. Unknown tokens answer 404."
        ),
    )
    def delete(self, request: Request, token: str, link_id: int) -> Response:
        assessment = self.assessment(token)
        link = ShareLink.objects.filter(pk=link_id, assessment=assessment).first()
        if link is None:
            raise NotFound
        sharing.revoke_share_link(link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        if reports.is_report_current(assessment):
            name = reports.stored_name(assessment, show_contact=True)
            try:
                handle = default_storage.open(name, "rb")
            except FileNotFoundError:
                reports.forget_missing(assessment)
            else:
                filename = reports.download_filename(assessment, show_contact=True)
                return FileResponse(
                    handle, as_attachment=True, filename=filename, content_type="application/pdf"
                )
        reports.queue_render(assessment)
        return Response({"status": "rendering"}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path(
        "assessments/<str:token>/share-links/",
        ShareLinksView.as_view(),
        name="api-assessment-share-links",
    ),
    path(
        "assessments/<str:token>/share-links/<int:link_id>/",
        ShareLinkView.as_view(),
        name="api-assessment-share-link",
    ),
    path(
        "assessments/<str:token>/report.pdf",
        ReportPdfView.as_view(),
        name="api-assessment-report-pdf",
    ),
]
