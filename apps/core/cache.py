"""A Redis cache that keeps the site up when Redis is not.

The cache holds only rate-limit counters, idempotency keys and copies of data kept in the
database. Redis also carries the Celery broker; when it stops, submissions must still be
saved (the periodic sweep queues them later), so the cache then answers like an empty one
that forgets what it is given (Django's DummyCache): throttles and rate limits let requests
through, idempotency keys are not remembered, readers fall back to the database.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _empty_cache_answer(fallback: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Returns `fallback` (what an empty cache would say) when Redis cannot be reached."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE:
                logger.warning(
                    "cache unreachable: %s answered as by an empty cache", method.__name__
                )
                return fallback

        return wrapper

    return decorate


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis per cache call, which costs about half a
    millisecond (its response callbacks); keep one per connection pool instead. A redis.Redis
    is safe to share between threads: every command takes a connection from the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private pool lookup and client class: django-stubs declares neither.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache; while Redis is unreachable, an empty cache instead of an error."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            logger.warning("cache unreachable: get answered as by an empty cache")
            return default

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            logger.warning("cache unreachable: incr answered as by an empty cache")
            raise ValueError(f"Key '{key}' not found.") from None

    # An empty cache accepts every new key: a rate limit counts this as the first request.
    @_empty_cache_answer(True)
    def add(self, *args: Any, **kwargs: Any) -> bool:
        return super().add(*args, **kwargs)

    @_empty_cache_answer(None)
    def set(self, *args: Any, **kwargs: Any) -> None:
        return super().set(*args, **kwargs)

    @_empty_cache_answer(False)
    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return super().touch(*args, **kwargs)

    @_empty_cache_answer(False)
    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return super().delete(*args, **kwargs)

    @_empty_cache_answer(False)
    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return super().has_key(*args, **kwargs)

    @_empty_cache_answer({})
    def get_many(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return super().get_many(*args, **kwargs)

    @_empty_cache_answer([])
    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return super().set_many(*args, **kwargs)

    @_empty_cache_answer(None)
    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return super().delete_many(*args, **kwargs)

    @_empty_cache_answer(False)
    def clear(self) -> bool:
        # Django's RedisCache.clear returns the client's bool; django-stubs types it as None.
        return super().clear()  # type: ignore[return-value]
