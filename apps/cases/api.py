"""Read API for the case library: published documented deployments with sources and answers."""

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers

from apps.catalog.models import Technology

from .models import Case, CaseSource


class CaseSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseSource
        fields = ["title", "url", "states"]


class CaseSerializer(serializers.ModelSerializer):
    chose: "serializers.SlugRelatedField[Technology]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The slug of the technology chosen."
    )
    sources = CaseSourceSerializer(many=True, read_only=True)
    answers = serializers.SerializerMethodField(
        help_text=(
            "Answers to the questionnaire's questions, by question key, that a source states: "
            "a choice key, a list of choice keys or a number. Missing keys are unknown."
        )
    )

    class Meta:
        model = Case
        fields = [
            "slug",
            "name",
            "organisation",
            "sector",
            "year",
            "chose",
            "summary",
            "sources",
            "answers",
        ]

    @extend_schema_field(
        {"type": "object", "additionalProperties": {}, "example": {"interconnect": "infiniband"}}
    )
    def get_answers(self, case: Case) -> dict[str, Any]:
        return case.answer_values()


# One queryset for both views: published only, sources and answers prefetched.
def _published() -> Any:
    return Case.objects.published().with_evidence()


@extend_schema(tags=["cases"])
class CaseList(generics.ListAPIView):
    """Every published case: what an organisation chose, its sources and sourced answers."""

    serializer_class = CaseSerializer

    def get_queryset(self) -> Any:
        return _published()


@extend_schema(
    tags=["cases"],
    responses={200: CaseSerializer, 404: OpenApiResponse(description="No published case.")},
)
class CaseDetail(generics.RetrieveAPIView):
    """One published case."""

    serializer_class = CaseSerializer
    lookup_field = "slug"

    def get_queryset(self) -> Any:
        return _published()


urlpatterns = [
    path("cases/", CaseList.as_view(), name="api-case-list"),
    path("cases/<slug:slug>/", CaseDetail.as_view(), name="api-case-detail"),
]
