"""Request ids in every log line, carried from a web request into the Celery tasks it starts.

No private token reaches a log line (``RedactTokensFilter``).
"""

import contextvars
import json
import logging
from typing import TYPE_CHECKING, Any

from celery import signals
from django.utils.log import AdminEmailHandler

from .private_links import redact

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
HEADER = "request_id"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RedactTokensFilter(logging.Filter):
    """Replaces the token in every private-link URL of the message (``private_links.redact``).

    On the console handler and on the loggers that print request paths (``django.request``,
    ``django.server``), so records captured before any handler are clean too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: left to the handler to report
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingAdminEmailHandler(AdminEmailHandler):
    """Error mails to ADMINS without private-link tokens: subject, text and HTML report.

    Django's report quotes the request (path, query, headers), which for a token page holds
    the token; the mail goes out with every such URL blanked.
    """

    def send_mail(
        self, subject: "str | _StrPromise", message: "str | _StrPromise", *args: Any, **kwargs: Any
    ) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(str(kwargs["html_message"]))
        super().send_mail(redact(str(subject)), redact(str(message)), *args, **kwargs)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload)


def _add_request_id(headers: dict | None = None, **kwargs: object) -> None:
    if headers is not None:
        headers.setdefault(HEADER, request_id_var.get())


def _restore_request_id(task: object = None, **kwargs: object) -> None:
    request = getattr(task, "request", None)
    request_id_var.set(getattr(request, HEADER, None) or "-")


def connect_celery_signals() -> None:
    signals.before_task_publish.connect(_add_request_id, weak=False)
    signals.task_prerun.connect(_restore_request_id, weak=False)
