"""API for share links and the PDF report, authorised by the prospect's private token.

The private token in the URL is the only credential: a staff session adds nothing here
(sales work from the dashboard), so these views skip session authentication and CSRF.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from apps.assessments.api import ErrorOutput, TokenAPIView
from apps.assessments.models import ShareLink
from apps.core.validators import validate_single_line

from . import services as sharing
from .services import MAX_DAYS, MIN_DAYS


class ShareLinkInput(serializers.Serializer):
    # A declared field (DRF's metaclass takes it out of the class), not Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=120, validators=[validate_single_line], help_text="Who the link is for."
    )
    expires_in_days = serializers.IntegerField(
        min_value=MIN_DAYS, max_value=MAX_DAYS, required=False, help_text="Default 30."
    )


class ShareLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Shown only in this response; stored as a hash.")
    expires_at = serializers.DateTimeField()


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
]
