"""Read API for the knowledge base: technologies, categories and the matrix rows with their cells."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers

from .models import Category, Feature, MatrixCell, Rating, Scenario, Source, Technology
from .models import TechnologyPoint as Point

RATING_HELP = (
    "Ordinal rating, best first: "
    + ", ".join(f"{r.value} = {r.label}" for r in Rating)
    + "; null = not assessed (an unknown, not a rating)."
)


class TechnologySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The technology's page on this site.")

    class Meta:
        model = Technology
        fields = [
            "slug",
            "name",
            "kind",
            "tagline",
            "description",
            "homepage",
            "first_release_year",
            "licence",
            "maintainer",
            "is_option",
            "url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, technology: Technology) -> str:
        request = self.context.get("request")
        page = technology.get_absolute_url()
        return request.build_absolute_uri(page) if request else page


class PointSerializer(serializers.ModelSerializer):
    feature: "serializers.SlugRelatedField[Feature]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Point
        fields = ["title", "body", "feature"]


class ScenarioSerializer(serializers.ModelSerializer):
    class Meta:
        model = Scenario
        fields = ["title", "condition", "explanation"]


class TechnologyDetailSerializer(TechnologySerializer):
    strengths = serializers.SerializerMethodField()
    weaknesses = serializers.SerializerMethodField()
    scenarios = ScenarioSerializer(many=True, read_only=True)

    class Meta(TechnologySerializer.Meta):
        fields = [*TechnologySerializer.Meta.fields, "strengths", "weaknesses", "scenarios"]

    @extend_schema_field(PointSerializer(many=True))
    def get_strengths(self, technology: Technology) -> Any:
        return self._points(technology, Point.Kind.STRENGTH)

    @extend_schema_field(PointSerializer(many=True))
    def get_weaknesses(self, technology: Technology) -> Any:
        return self._points(technology, Point.Kind.WEAKNESS)

    def _points(self, technology: Technology, kind: str) -> Any:
        points = [point for point in technology.points.all() if point.kind == kind]
        return PointSerializer(points, many=True).data


class CategorySerializer(serializers.ModelSerializer):
    features: "serializers.SlugRelatedField[Feature]" = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Feature slugs, in order."
    )

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "order", "features"]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["title", "url"]


class CellSerializer(serializers.ModelSerializer):
    technology: "serializers.SlugRelatedField[Technology]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    rating = serializers.IntegerField(
        min_value=0, max_value=4, allow_null=True, help_text=RATING_HELP
    )
    rating_label = serializers.CharField(
        help_text='The rating\'s name; "Not assessed" when rating is null.'
    )
    sources = SourceSerializer(many=True, read_only=True)
    last_verified = serializers.DateField(
        allow_null=True,
        read_only=True,
        help_text="The day an editor last checked the cell against its sources; "
        "null when no check is known.",
    )

    class Meta:
        model = MatrixCell
        fields = [
            "technology",
            "rating",
            "rating_label",
            "summary",
            "detail",
            "sources",
            "last_verified",
        ]


class FeatureSerializer(serializers.ModelSerializer):
    category: "serializers.SlugRelatedField[Category]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    cells = CellSerializer(many=True, read_only=True)

    class Meta:
        model = Feature
        fields = ["slug", "name", "category", "description", "why_it_matters", "order", "cells"]


class FeatureFilterSerializer(serializers.Serializer):
    """Validates the query string of the feature list."""

    tech = serializers.ListField(child=serializers.SlugField(), required=False)
    category = serializers.SlugField(required=False)

    def validate_tech(self, slugs: list[str]) -> list[Technology]:
        technologies = list(Technology.objects.for_slugs(slugs))
        unknown = sorted(set(slugs) - {technology.slug for technology in technologies})
        if unknown:
            known = ", ".join(Technology.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(
                _("Unknown technology: %(unknown)s. Known technologies: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": known}
            )
        return technologies

    def validate_category(self, slug: str) -> Category:
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            known = ", ".join(Category.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(
                _("Unknown category: %(slug)s. Known categories: %(known)s.")
                % {"slug": slug, "known": known}
            )
        return category


FILTER_ERROR = OpenApiResponse(
    response=inline_serializer(
        "FeatureFilterError",
        {
            # A list of messages, or messages by position when a value is no slug at all.
            "tech": serializers.JSONField(required=False),
            "category": serializers.ListField(child=serializers.CharField(), required=False),
        },
    ),
    description="A filter names an unknown technology or category.",
)


@extend_schema(tags=["catalog"])
class TechnologyList(generics.ListAPIView):
    """Every technology the site compares, in display order."""

    queryset = Technology.objects.all()
    serializer_class = TechnologySerializer


@extend_schema(
    tags=["catalog"],
    responses={200: TechnologyDetailSerializer, 404: OpenApiResponse(description="No such slug.")},
)
class TechnologyDetail(generics.RetrieveAPIView):
    """One technology with its strengths, weaknesses and "when to choose" scenarios."""

    # django-stubs loses Prefetch's type variables on managers made by as_manager()
    # (typeddjango/django-stubs#3263, fixed upstream, not in 5.2.9).
    queryset = Technology.objects.prefetch_related(
        Prefetch("points", queryset=Point.objects.select_related("feature")),  # type: ignore[arg-type]
        "scenarios",
    )
    serializer_class = TechnologyDetailSerializer
    lookup_field = "slug"


@extend_schema(tags=["catalog"])
class CategoryList(generics.ListAPIView):
    """The categories of the matrix, in order, with the slugs of their features."""

    queryset = Category.objects.prefetch_related(
        Prefetch("features", queryset=Feature.objects.order_by("order", "name"))
    )
    serializer_class = CategorySerializer


@extend_schema(
    parameters=[
        OpenApiParameter(
            "tech",
            OpenApiTypes.STR,
            many=True,
            explode=True,
            description="Only the cells of these technologies (repeat for several).",
        ),
        OpenApiParameter("category", OpenApiTypes.STR, description="Only this category's rows."),
    ],
    responses={200: FeatureSerializer(many=True), 400: FILTER_ERROR},
    tags=["catalog"],
)
class FeatureList(generics.ListAPIView):
    """The rows of the matrix, each with its cells and their sources."""

    serializer_class = FeatureSerializer

    def get_queryset(self) -> QuerySet[Feature]:
        if getattr(self, "swagger_fake_view", False):
            return Feature.objects.none()
        filters = FeatureFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        features = Feature.objects.for_matrix(filters.validated_data.get("tech"))
        if "category" in filters.validated_data:
            features = features.filter(category=filters.validated_data["category"])
        return features


urlpatterns = [
    path("technologies/", TechnologyList.as_view(), name="api-technology-list"),
    path("technologies/<slug:slug>/", TechnologyDetail.as_view(), name="api-technology-detail"),
    path("categories/", CategoryList.as_view(), name="api-category-list"),
    path("features/", FeatureList.as_view(), name="api-feature-list"),
]
