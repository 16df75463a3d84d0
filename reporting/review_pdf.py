"""The quarterly review as a PDF (issue 18, item 2): the print page (templates/reporting/review_print.html)
rendered by WeasyPrint, without a browser.

WeasyPrint reads only PartnerHub's own static files (the print page's stylesheets), from disk: the
fetcher below refuses every other address, so no text entered by a person can make the server fetch
a URL or read a file. WeasyPrint (and Pango, a system library) is imported on the first PDF only, so
every other page and the management commands start without it."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from .models import QuarterlyReview

# The print page's links are resolved against this address; nothing is ever fetched from it.
BASE_URL = "https://partnerhub.invalid/"
# WeasyPrint warns for each CSS property it does not support and each refused address: not errors.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logger = logging.getLogger(__name__)


class PdfUnavailable(Exception):
    """WeasyPrint cannot start here (Pango missing): the view offers the print page instead of a 500."""


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: a system library (Pango) that cannot be loaded
        logger.error("PDF export unavailable: %s", error)
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def static_file(url: str) -> Path | None:
    """The file on disk behind one of PartnerHub's static URLs, else None (any other address)."""
    parts = urlsplit(url)
    prefix = urlsplit(settings.STATIC_URL).path
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path[len(prefix) :])
    if not name or ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if found:
        return Path(found if isinstance(found, str) else found[0])
    if settings.STATIC_ROOT:  # production: the collected (hashed) name the {% static %} tag gave
        try:
            collected = Path(staticfiles_storage.path(name))
        except (NotImplementedError, ValueError):
            return None
        if collected.is_file():
            return collected
    return None


def _fetcher(weasyprint: Any) -> Any:
    URLFetcherResponse = weasyprint.urls.URLFetcherResponse  # noqa: N806

    class StaticFilesOnly(weasyprint.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_file(url)
            if path is None:
                raise ValueError(f"Not one of PartnerHub's static files: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticFilesOnly()


def review_pdf(request: HttpRequest, review: QuarterlyReview) -> bytes:
    """The review's print page as PDF bytes (A4, the print stylesheet's page margins)."""
    weasyprint = _weasyprint()
    html = render_to_string(
        "reporting/review_print.html",
        {"review": review, "partner": review.partner, "card": review.scorecard, "pdf": True},
        request=request,
    )
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher(weasyprint)).write_pdf()


def review_pdf_filename(review: QuarterlyReview) -> str:
    return f"review-{review.partner.slug}-{review.quarter}.pdf"
