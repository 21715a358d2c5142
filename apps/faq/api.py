"""Read API for the published FAQ."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from .models import Faq, FaqCategory


class FaqSerializer(serializers.ModelSerializer):
    category: "serializers.SlugRelatedField[FaqCategory]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    answer = serializers.CharField(read_only=True, help_text="Markdown source.")
    answer_html = serializers.CharField(
        read_only=True, help_text="The answer rendered to sanitised HTML."
    )

    class Meta:
        model = Faq
        fields = ["category", "category_name", "question", "slug", "answer", "answer_html"]


@extend_schema(tags=["faq"])
class FaqList(generics.ListAPIView):
    """Published questions and answers, grouped by category order."""

    queryset = Faq.objects.published()
    serializer_class = FaqSerializer


urlpatterns = [path("faqs/", FaqList.as_view(), name="api-faq-list")]
