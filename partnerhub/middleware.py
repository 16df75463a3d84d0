import ipaddress
import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from .log_format import request_id_from, request_id_var
from .metrics import DB_QUERIES

access_log = logging.getLogger("partnerhub.access")


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The address of the client, given how many proxies of ours stand in front of the app.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    with N of them the client is the N-th entry from the right; anything further left was sent by
    the client itself and is not trusted. A request that did not pass through all N (a probe
    straight to the app server, or a malformed header) keeps the address of the connection.
    """
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    if len(hops) < trusted_proxies:
        return remote_addr
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


class ProbeMiddleware:
    """Answers /healthz and /metrics before anything else runs.

    Kubelet and container probes, and Prometheus, call the app server over plain HTTP, by pod IP:
    they must not be redirected to HTTPS (SecurityMiddleware) or refused for an unknown Host
    (ALLOWED_HOSTS). The probe only reports; it reads nothing of the user's and changes nothing.
    /metrics answers only with the bearer token (partnerhub/metrics.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            from .views import healthz

            return healthz(request)
        if request.path == "/metrics":
            from .metrics import metrics_view

            return metrics_view(request)
        return self.get_response(request)


class ClientAddressMiddleware:
    """Puts the client's address (not the proxy's) in REMOTE_ADDR, from TRUSTED_PROXY_COUNT.

    One place for it, so login throttling (django-axes reads REMOTE_ADDR), the sign-in records and
    the access log all see the same address. Then writes one access-log line per request.

    Also the request id (X-Request-ID from the proxy, or a new one): every log line of the request
    carries it (partnerhub/log_format.py) and the response returns it. And the request's database
    queries: counted for the access log and the per-view metric (partnerhub/metrics.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        meta["PARTNERHUB_PEER_ADDR"] = peer = meta.get("REMOTE_ADDR", "")
        meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), settings.TRUSTED_PROXY_COUNT)
        request_id = request_id_from(meta.get("HTTP_X_REQUEST_ID"))
        setattr(request, "request_id", request_id)  # noqa: B010  (an attribute HttpRequest does not declare)
        token = request_id_var.set(request_id)
        queries = [0]

        def count_query(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        try:
            started = time.monotonic()
            with connection.execute_wrapper(count_query):
                response = self.get_response(request)
            duration_ms = (time.monotonic() - started) * 1000
            path = request.path
            match = getattr(request, "resolver_match", None)
            if match is not None and match.kwargs.get("token"):
                path = path.replace(str(match.kwargs["token"]), "[token]")  # a feed's secret stays out of logs
            view = match.view_name if match is not None else "<unresolved>"
            DB_QUERIES.labels(view=view).observe(queries[0])
            response["X-Request-ID"] = request_id
            access_log.info(
                '%s "%s %s" %s %.0fms',
                meta["REMOTE_ADDR"],
                request.method,
                path[:500],
                response.status_code,
                duration_ms,
                extra={
                    "request_id": request_id,
                    "client": meta["REMOTE_ADDR"],
                    "method": request.method,
                    "path": path[:500],
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                    "view": view,
                    "db_queries": queries[0],
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class SessionIdleTimeoutMiddleware:
    """End the session after SESSION_COOKIE_AGE of inactivity.

    Touching the session renews its expiry; doing it at most every SESSION_REFRESH_SECONDS keeps
    pages free of a session write on every request while an idle session still expires on time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen", 0)
            if now - last_seen >= settings.SESSION_REFRESH_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)
