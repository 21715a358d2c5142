"""gunicorn's access log without private tokens (``--logger-class apps.core.gunicorn.RedactingLogger``).

gunicorn writes the request line, path, query and Referer of every request before Django
sees it, so Django's log filter cannot reach these lines. Loaded by gunicorn's master before
the application: imports no Django.
"""

from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from .private_links import redact


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log atoms (``%(r)s``, ``%(U)s``, ``%(q)s``, ``%(f)s``,
    headers, environ) carry ``<token>`` where a private link's token was."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
