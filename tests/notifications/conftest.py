"""A real HTTP receiver for webhook deliveries, and the people and leads the tests need."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Group

from apps.accounts.models import SALES
from apps.notifications.models import EventType
from apps.notifications.services import webhooks
from tests.reports.factories import make_assessment

SECRET = "receiver-secret-for-tests"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, secret: str = SECRET) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-Advisor-Signature", ""))


@dataclass
class Receiver:
    """An HTTP server in a thread of its own: records every POST, answers the scripted codes."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer, in order; once used up, ``then`` answers every request.
    script: list[int] = field(default_factory=list)
    then: int = 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                state.requests.append(Received(dict(self.headers.items()), body))
                code = state.script.pop(0) if state.script else state.then
            reply = b'{"ok": true}' if code < 300 else b"receiver failure " * 100
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/advisor?source=test"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _private_webhooks(settings) -> None:
    """The receiver listens on loopback: allowed here, as the README says tests do."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def endpoint(receiver, superuser):
    """An endpoint on the receiver for every event type, owned by the admin."""
    return webhooks.create_endpoint(
        url=receiver.url,
        events=list(EventType.values),
        secret=SECRET,
        owner=superuser,
    )


@pytest.fixture
def sales_team(django_user_model):
    """Two salespeople: Sam and Kim."""
    group = Group.objects.get_or_create(name=SALES)[0]
    people = []
    for name in ("sam", "kim"):
        user = django_user_model.objects.create_user(
            username=name, email=f"{name}@example.com", is_staff=True, first_name=name.title()
        )
        user.groups.add(group)
        people.append(user)
    return people


@pytest.fixture
def new_lead(scoring_model, django_capture_on_commit_callbacks):
    """``new_lead(**fields)``: an assessment scored by the real pipeline, its on-commit work run."""

    def make(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            assessment, _token = make_assessment(scoring_model=scoring_model, **fields)
        return assessment

    return make


@pytest.fixture
def scored(scored):
    """The shared scored assessment, its lead already announced: the fan-out its scoring
    queued on commit has run (a fan-out run takes every event not dispatched yet)."""
    from django.utils import timezone

    from apps.notifications.models import Event

    Event.objects.update(dispatched_at=timezone.now())
    return scored
