"""Deployment checks of our own, run by `manage.py check --deploy`."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(deploy=True)
def shared_cache(**_kwargs: Any) -> list[CheckMessage]:
    """Several processes serve in production: they must share one cache."""
    if settings.CACHES["default"]["BACKEND"] not in LOCAL_CACHES:
        return []
    return [
        Warning(
            "The cache is local to each process.",
            hint=(
                "Set CACHE_URL (Redis). Without it, rate limits and idempotency keys are "
                "counted per process, and an edit of the knowledge base reaches only the "
                "process that saved it: the others serve cached pages for up to an hour."
            ),
            id="core.W001",
        )
    ]
