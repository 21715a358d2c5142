"""Every page and API answer comes gzipped to clients that accept it, with random header bytes."""

import gzip
import json

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_page_is_gzipped_and_varies_on_accept_encoding(client: Client) -> None:
    plain = client.get(reverse("faq:index"))
    response = client.get(reverse("faq:index"), **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content) == plain.content
    assert int(response["Content-Length"]) == len(response.content) < len(plain.content)


def test_without_accept_encoding_the_page_is_sent_as_is(client: Client) -> None:
    response = client.get(reverse("faq:index"))

    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content


def test_json_answers_are_gzipped(client: Client) -> None:
    from apps.faq.models import Faq, FaqCategory

    category = FaqCategory.objects.create(name="General", slug="general")
    for n in range(5):
        Faq.objects.create(
            category=category, question=f"Question {n}?", slug=f"q{n}", answer="An answer. " * 20
        )

    response = client.get(reverse("api-faq-list"), **GZIP)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))


def test_the_gzip_header_carries_random_bytes_against_breach(client: Client) -> None:
    # Heal the Breach: a random-length file name in each gzip header, so one response's size
    # does not tell an attacker how well their guess compressed.
    sizes = {len(client.get(reverse("faq:index"), **GZIP).content) for _ in range(12)}

    assert len(sizes) > 1


def test_binary_responses_are_left_alone() -> None:
    from django.http import HttpRequest, HttpResponse

    from apps.core.compression import CompressionMiddleware

    request = HttpRequest()
    request.META["HTTP_ACCEPT_ENCODING"] = "gzip"
    pdf = HttpResponse(b"%PDF-1.7 " * 200, content_type="application/pdf")

    response = CompressionMiddleware(lambda _request: pdf)(request)

    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"%PDF")
