"""Every operation of the published OpenAPI schema, fuzzed by schemathesis (in-process, WSGI).

No input may give a server error, and every response must match the schema: its status code,
content type and body. The examples per operation are bounded so the whole run stays short.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _content(seeded):
    """The real content, so lookups by slug or id can hit rows as well as miss them."""


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls through the WSGI handler must not drop the test's database connection.

    Each request fires ``request_started``/``request_finished``, whose
    ``close_old_connections`` closes a connection left outside autocommit, as the test's
    transaction is; PostgreSQL then fails every later query. Django's test client
    disconnects it the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_it_answers_every_generated_request_as_the_schema_says(case):
    # Throttles count in the cache; thousands of generated requests are not an attack.
    cache.clear()
    # The WSGI transport hands the body over as sent; a gzip answer (tests/core/
    # test_compression.py) would reach the checks undecoded, so ask for none.
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
