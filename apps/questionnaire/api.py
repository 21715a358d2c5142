"""The published questionnaire, for clients that render their own form."""

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from .services import latest_model, snapshot_of

QUESTION_FIELDS = (
    "key",
    "kind",
    "text",
    "help",
    "required",
    "allow_unknown",
    "unit",
    "min_value",
    "max_value",
    "condition",
)

CONDITION: dict[str, Any] = {
    "question": serializers.CharField(help_text="Key of the question this one depends on."),
    "in": serializers.ListField(
        child=serializers.CharField(), help_text="Shown when that answer is one of these."
    ),
}
QUESTION: dict[str, Any] = {
    "key": serializers.CharField(),
    "kind": serializers.ChoiceField(choices=["single", "multiple", "number", "scale"]),
    "text": serializers.CharField(),
    "help": serializers.CharField(help_text="Markdown."),
    "required": serializers.BooleanField(),
    "allow_unknown": serializers.BooleanField(help_text='"unknown" is an accepted answer.'),
    "unit": serializers.CharField(allow_blank=True),
    "min_value": serializers.FloatField(allow_null=True),
    "max_value": serializers.FloatField(allow_null=True),
    "condition": inline_serializer("QuestionnaireCondition", CONDITION, allow_null=True),
    "choices": inline_serializer(
        "QuestionnaireChoice",
        {"key": serializers.CharField(), "label": serializers.CharField()},
        many=True,
    ),
}
QuestionnaireSerializer = inline_serializer(
    "PublishedQuestionnaire",
    {
        "version": serializers.IntegerField(),
        "title": serializers.CharField(),
        "intro": serializers.CharField(allow_blank=True),
        "sections": inline_serializer(
            "QuestionnaireSection",
            {
                "title": serializers.CharField(),
                "intro": serializers.CharField(allow_blank=True),
                "questions": inline_serializer("QuestionnaireQuestion", QUESTION, many=True),
            },
            many=True,
        ),
    },
)
MessageSerializer = inline_serializer("QuestionnaireMessage", {"detail": serializers.CharField()})


def _public(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without weights, importance and risk rules."""
    return {
        "version": snapshot["version"],
        "title": snapshot["questionnaire"]["title"],
        "intro": snapshot["questionnaire"]["intro"],
        "sections": [
            {
                "title": section["title"],
                "intro": section["intro"],
                "questions": [
                    {
                        **{field: q[field] for field in QUESTION_FIELDS},
                        "choices": [{"key": c["key"], "label": c["label"]} for c in q["choices"]],
                    }
                    for q in section["questions"]
                ],
            }
            for section in snapshot["sections"]
        ],
    }


@extend_schema(
    operation_id="questionnaire_retrieve",
    summary="The published questionnaire",
    description=(
        "The latest published version: sections, questions, answer keys and display "
        "conditions. Answers posted to the assessments API use these keys."
    ),
    responses={
        200: QuestionnaireSerializer,
        404: OpenApiResponse(MessageSerializer, description="Nothing is published yet."),
    },
    tags=["questionnaire"],
)
@api_view(["GET"])
def questionnaire_detail(request: Request) -> Response:
    model = latest_model()
    if model is None:
        return Response({"detail": _("No questionnaire has been published yet.")}, status=404)
    return Response(_public(dict(snapshot_of(model))))


urlpatterns = [
    path("questionnaire/", questionnaire_detail, name="api-questionnaire"),
]
