"""The Redis cache answers like an empty cache while Redis is unreachable."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle

from tests.stack import free_port

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "apps.core.cache.FailOpenRedisCache",
        # A port nothing listens on: every connection is refused at once.
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def cache():
    with override_settings(CACHES=UNREACHABLE_CACHE):
        yield caches["default"]


def test_it_answers_reads_and_writes_as_an_empty_cache(cache):
    assert cache.get("key") is None
    assert cache.get("key", "fallback") == "fallback"
    assert cache.add("key", 1) is True
    assert cache.set("key", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == []
    assert cache.delete("key") is False
    assert cache.has_key("key") is False
    assert cache.get_or_set("key", 7) == 7
    with pytest.raises(ValueError, match="not found"):
        cache.incr("key")


def test_it_lets_a_throttled_api_request_through(cache):
    request = Request(APIRequestFactory().get("/api/v1/technologies/"))
    request.user = AnonymousUser()
    throttle = AnonRateThrottle()
    throttle.cache = cache

    assert throttle.allow_request(request, view=None) is True


def test_it_still_raises_other_errors(cache):
    # Only an unreachable server is tolerated: a programming error must surface.
    with pytest.raises(TypeError):
        cache.get()
