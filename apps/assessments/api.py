"""JSON API for assessments: submit answers, then poll for the result.

The answer rules are the questionnaire's (``apps.questionnaire.forms``), so a client and the
web form are held to the same checks.
"""

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.assessments import services
from apps.assessments.models import Assessment
from apps.cases.similarity import similar_cases
from apps.core.ratelimit import client_key, too_many_token_misses
from apps.core.throttling import AnonRateThrottle, ScopedRateThrottle
from apps.core.validators import validate_single_line
from apps.questionnaire import forms as answer_forms
from apps.questionnaire import services as questionnaire_services

IDEMPOTENCY_TTL = 24 * 60 * 60
# How long a first request holds its key while it is being processed.
IDEMPOTENCY_LOCK_TTL = 60
MAX_IDEMPOTENCY_KEY_LENGTH = 255
# What a client sees for the internal statuses: drafts and rows being scored are "pending".
PUBLIC_STATUS = {
    Assessment.Status.DRAFT: "pending",
    Assessment.Status.PENDING: "pending",
    Assessment.Status.SCORING: "pending",
    Assessment.Status.SCORED: "scored",
    Assessment.Status.FAILED: "failed",
}
RESULT_KEYS = ("recommendation", "confidence", "contributions", "risks", "sensitivity")


class SafeJSONParser(JSONParser):
    """JSON, where a pathologically nested body is a 400 like any other malformed one."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: nested too deeply.")) from None


def _max_length(field: str) -> int:
    length = getattr(Assessment._meta.get_field(field), "max_length", None)
    assert isinstance(length, int), f"Assessment.{field} has no max_length"
    return length


class ContactSerializer(serializers.Serializer):
    # Contact details reach e-mail headers: a line break there is refused, not sent.
    name = serializers.CharField(
        max_length=_max_length("contact_name"),
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_single_line],
    )
    email = serializers.EmailField(
        required=False, allow_blank=True, default="", validators=[validate_single_line]
    )
    company = serializers.CharField(
        max_length=_max_length("company"),
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_single_line],
    )
    role = serializers.CharField(
        max_length=_max_length("role"),
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_single_line],
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                {"type": "string", "description": 'A choice key, or "unknown".'},
                {"type": "array", "items": {"type": "string"}},
                {"type": "number"},
            ]
        },
        "example": {"workload_mix": "mpi", "largest_job_nodes": 128, "tools": ["apptainer"]},
    }
)
class AnswersField(serializers.DictField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.JSONField(), **kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Counted before the per-key validation, which would otherwise run once per key sent.
        if isinstance(data, dict):
            try:
                answer_forms.check_answer_count(self.context["model"], data)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.message_dict["answers"]) from None
        value: dict[str, Any] = super().to_internal_value(data)
        return value


class SubmissionSerializer(serializers.Serializer):
    answers = AnswersField(
        help_text="Answers by question key: a choice key, a list of choice keys, a number, "
        'or "unknown" where the question allows it. See GET /api/v1/questionnaire/.'
    )
    contact = ContactSerializer(required=False)
    consent = serializers.BooleanField(
        required=False, default=False, help_text="Without consent no contact detail is kept."
    )

    def validate_answers(self, value: dict[str, Any]) -> dict[str, Any]:
        try:
            return answer_forms.validate_answers(self.context["model"], value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None


class SubmittedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Private token: keep it, it opens the result.")
    status = serializers.ChoiceField(choices=["pending", "scored", "failed"])
    url = serializers.URLField(help_text="The private result page for people.")


class SimilarCaseSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The case's slug: /cases/<slug>/.")
    name = serializers.CharField()
    chose = serializers.SlugField(help_text="The slug of the technology the case chose.")
    similarity = serializers.FloatField(help_text="0–1, rounded to 2 decimals.")
    matched = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the questions answered alike."
    )


class ResultSerializer(serializers.Serializer):
    recommendation = serializers.CharField(help_text="The recommended technology's slug.")
    scores = serializers.DictField(child=serializers.FloatField(), help_text="Fit 0–100 by slug.")
    confidence = serializers.FloatField(help_text="0–1.")
    contributions = serializers.ListField(child=serializers.DictField())
    risks = serializers.ListField(child=serializers.DictField())
    sensitivity = serializers.ListField(child=serializers.DictField())
    similar_cases = SimilarCaseSerializer(
        many=True, help_text="The published cases nearest to the answers, most similar first."
    )


class AssessmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "scored", "failed"])
    model_version = serializers.IntegerField(allow_null=True)
    result = ResultSerializer(allow_null=True)


def public_status(assessment: Assessment) -> dict[str, Any]:
    """What the API shows of an assessment: status, model version and, once scored, the result.

    Reads the status, answers, result and model version (what ``services.status_for_token``
    loads) and nothing else.
    """
    result = None
    if assessment.is_scored() and assessment.result:
        stored = assessment.result
        result = {key: stored.get(key) for key in RESULT_KEYS}
        result["scores"] = {slug: s.get("fit") for slug, s in stored.get("scores", {}).items()}
        result["similar_cases"] = _similar_cases(assessment)
    return {
        "status": PUBLIC_STATUS[Assessment.Status(assessment.status)],
        "model_version": assessment.scoring_model.version if assessment.scoring_model else None,
        "result": result,
    }


def _similar_cases(assessment: Assessment) -> list[dict[str, Any]]:
    """The published cases nearest to the assessment's answers (``cases.similarity``)."""
    if assessment.scoring_model is None:
        return []
    found = similar_cases(
        answers=assessment.answers or {}, compiled=services.compiled_for(assessment)
    )
    return [
        {
            "slug": case.slug,
            "name": case.name,
            "chose": case.chose,
            "similarity": case.similarity,
            "matched": list(case.matched),
        }
        for case in found
    ]


def _cache_key(request: Request, idempotency_key: str) -> str:
    """Where a key's record lives: per client, so one client's key never answers another."""
    scoped = f"{client_key('idempotency', request._request)}\n{idempotency_key}"
    return "assessments:idempotency:" + hashlib.sha256(scoped.encode()).hexdigest()


def _fingerprint(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _error(detail: str, code: int) -> Response:
    return Response({"detail": str(detail)}, status=code)


ERROR_SCHEMA = inline_serializer("Error", {"detail": serializers.CharField()})
# Pace a client's polling: the asynchronous request-reply pattern's 202 and status answers.
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[200, 202],
    description="Seconds to wait before looking at the status again; sent while it is pending.",
)
ACCEPTED_HEADERS = [
    OpenApiParameter(
        "Location",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[202],
        description="The assessment's status (`GET`), to poll until it is `scored` or `failed`.",
    ),
    RETRY_AFTER_HEADER,
]


class AssessmentSubmitView(APIView):
    """Submit answers; scoring runs in the background."""

    parser_classes = [SafeJSONParser]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "submit"

    @extend_schema(
        operation_id="assessments_submit",
        request=SubmissionSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A retried POST from the same client with the same key and body "
                "creates no second assessment (keys are kept 24 hours, per client). The retry "
                "answers 202 with the assessment's current `status` and `replayed: true`, but "
                "without `token`, `url` or `Location`: the private token is shown once, in the "
                "first response, and is never stored, so a client keeps that response. Use a "
                "fresh random key (a UUID) per submission.",
            ),
            *ACCEPTED_HEADERS,
        ],
        responses={
            202: SubmittedSerializer,
            400: OpenApiResponse(
                description='Invalid input, e.g. {"answers": {"<key>": ["message"]}}.'
            ),
            409: OpenApiResponse(ERROR_SCHEMA, description="The same key is being processed."),
            410: OpenApiResponse(
                ERROR_SCHEMA, description="The assessment created under this key was deleted."
            ),
            422: OpenApiResponse(ERROR_SCHEMA, description="The key was used with another body."),
            429: OpenApiResponse(ERROR_SCHEMA, description="Throttled (scope `submit`)."),
            503: OpenApiResponse(ERROR_SCHEMA, description="No questionnaire is published yet."),
        },
        examples=[
            OpenApiExample(
                "Submission",
                request_only=True,
                value={
                    "answers": {"workload_mix": "mpi", "largest_job_nodes": 128},
                    "contact": {"name": "Ada", "email": "ada@example.org", "company": "Lab"},
                    "consent": True,
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._submit(request)
        if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            return _error(_("Idempotency-Key must be 1 to 255 characters."), 400)
        cache_key, fingerprint = _cache_key(request, key), _fingerprint(request.data)
        held = {"fingerprint": fingerprint, "status": None}
        if not cache.add(cache_key, held, IDEMPOTENCY_LOCK_TTL):
            return self._replay(cache.get(cache_key), fingerprint)
        response = None
        try:
            response = self._submit(request)
        finally:
            if response is not None and response.status_code == status.HTTP_202_ACCEPTED:
                # The assessment's id, never its token: the cache may be read by others.
                created = Assessment.objects.for_token(response.data["token"]).get()
                stored = held | {"status": response.status_code, "assessment": created.pk}
                cache.set(cache_key, stored, IDEMPOTENCY_TTL)
            else:
                # Nothing was created: the client may retry the same key with a fixed body.
                cache.delete(cache_key)
        return response

    def _replay(self, stored: dict[str, Any] | None, fingerprint: str) -> Response:
        if stored is None:
            return _error(_("A request with this Idempotency-Key just finished; retry."), 409)
        if stored["fingerprint"] != fingerprint:
            return _error(_("This Idempotency-Key was used with a different request body."), 422)
        if stored["status"] is None:
            return _error(_("A request with this Idempotency-Key is still in progress."), 409)
        assessment = Assessment.objects.filter(pk=stored["assessment"]).first()
        if assessment is None:
            return _error(_("The assessment created with this Idempotency-Key was deleted."), 410)
        body = {"status": PUBLIC_STATUS[Assessment.Status(assessment.status)], "replayed": True}
        return Response(body, status=stored["status"])

    def _submit(self, request: Request) -> Response:
        # The version's snapshot (large JSON) is read only if this process has not compiled it.
        model = questionnaire_services.latest_model()
        if model is None:
            return _error(_("No questionnaire has been published yet; try again later."), 503)
        serializer = SubmissionSerializer(
            data=request.data, context={"model": questionnaire_services.compiled_model(model)}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contact = dict(data.get("contact") or {})
        try:
            assessment, token = services.submit_answers(
                answers=data["answers"],
                contact=contact,
                consent=data["consent"],
                scoring_model=model,
                validated=True,
            )
        except services.NoPublishedModel:
            return _error(_("No questionnaire has been published yet; try again later."), 503)
        return accepted(request, assessment, token)


def accepted(request: Request, assessment: Assessment, token: str) -> Response:
    """A submission's 202: its private token and page, where to poll, and when to first look."""
    body = {
        "token": token,
        "status": PUBLIC_STATUS[Assessment.Status(assessment.status)],
        "url": request.build_absolute_uri(reverse("reports:result", kwargs={"token": token})),
    }
    headers = {
        "Location": reverse("api-assessment-detail", kwargs={"token": token}),
        "Retry-After": str(services.POLL_SECONDS),
    }
    return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)


class AssessmentDetailView(APIView):
    """An assessment's status and, once scored, its result."""

    @extend_schema(
        operation_id="assessments_retrieve",
        parameters=[RETRY_AFTER_HEADER],
        responses={
            200: AssessmentStatusSerializer,
            404: OpenApiResponse(ERROR_SCHEMA),
            429: OpenApiResponse(ERROR_SCHEMA),
        },
    )
    def get(self, request: Request, token: str) -> Response:
        assessment = services.status_for_token(token)
        if assessment is None:
            if too_many_token_misses(request._request):
                return _error(_("Too many requests. Please wait a minute and try again."), 429)
            return _error(_("Not found."), 404)
        response = Response(public_status(assessment))
        if not assessment.is_final():
            response["Retry-After"] = str(services.POLL_SECONDS)
        return response


class JsonOnlyNegotiation(BaseContentNegotiation):
    """Errors and states are JSON whatever the client accepts (the PDF bypasses renderers)."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


ErrorOutput = inline_serializer("ShareError", {"detail": serializers.CharField()})


class TokenAPIView(APIView):
    """Base of the endpoints a prospect's private token opens (share links, the PDF)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "share"
    content_negotiation_class = JsonOnlyNegotiation

    def assessment(self, token: str) -> Assessment:
        assessment = (
            Assessment.objects.for_token(token)
            .select_related("scoring_model", "recommendation")
            .first()
        )
        if assessment is None:
            raise NotFound
        return assessment


urlpatterns = [
    path("assessments/", AssessmentSubmitView.as_view(), name="api-assessment-list"),
    path(
        "assessments/<str:token>/",
        AssessmentDetailView.as_view(),
        name="api-assessment-detail",
    ),
]
