"""Test helpers shared by the apps' tests."""

from django.urls import reverse


def partner_page(client, partner) -> str:
    """The partner detail page as a browser shows it once htmx has loaded every section."""
    from partners.sections import ordered_sections

    response = client.get(partner.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for section in ordered_sections():
        fragment = client.get(reverse("partners:section", args=[partner.slug, section.key]), HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200, section.key
        html += fragment.content.decode()
    return html


def run_at_once(*targets, timeout: float = 120, lined_up: bool = False) -> None:
    """Start every target in its own thread, then wait for all (the concurrency tests' race set-up).
    Each thread closes its database connection when its target ends (a thread's connection is its
    own). `lined_up=True`: the targets wait for each other at a barrier and then start together (a
    double click). A thread still running after `timeout` fails the test. Results and errors are the
    caller's to collect."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(targets), timeout=30) if lined_up else None

    def run(target):
        try:
            if barrier is not None:
                barrier.wait()
            target()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), f"a thread was still running after {timeout} s"


def forget_broker_connections(celery_app) -> None:
    """Celery keeps its connection and producer pools from the first publish and, per thread, the
    result backend it first saw. A test that changes broker_url or result_backend must drop them,
    or publishing goes on to the old broker (e.g. the in-memory one the tests' own writes published
    "deliver the outbox" to) while the worker reads the new one."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)
