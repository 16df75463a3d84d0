"""Log lines as JSON objects on stdout (LOG_FORMAT=json, the default in production), each with the
request id of the request (or the Celery task id of the task) that wrote it.

The request id comes from the proxy's X-Request-ID header when it looks like one (ingress-nginx sends
one), else it is made here; it is returned in the response's X-Request-ID header, so a user's
report ("request id ...") leads to every line that request wrote, on whichever pod.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("partnerhub_request_id", default="")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is a plausible one (no spaces, quotes or control characters), else a new one."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


# The attributes every LogRecord has: everything else on a record came from `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    record's `extra` fields, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
