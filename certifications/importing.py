"""CSV import of holdings: every row is checked first (dry run); rows are saved only on confirmation.

A file with any bad row imports nothing unless the user asks to skip the bad rows. Lookups are
bulk (one query for the people, one for the certifications, one for existing holdings), so a
preview of a few thousand rows stays quick.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from partnerhub.input_bounds import DATE_RANGE_MESSAGE, date_in_range

from .models import Certification, Holding, first_overlap, overlap_message
from .services import compliance_refresh_for_certifications, holding_save

REQUIRED_COLUMNS = {"holder", "certification_code", "obtained_on"}
MAX_ROWS = 5000


@dataclass
class ImportRow:
    line: int
    raw: dict
    errors: list[str] = field(default_factory=list)
    holding: Holding | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)

    @property
    def good(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


def _date(value: str, label: str, errors: list[str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(f'{label} "{value[:30]}" is not a date (use YYYY-MM-DD).')
        return None
    if not date_in_range(day):
        errors.append(f"{label}: {DATE_RANGE_MESSAGE}")
        return None
    return day


def preview_import(text: str) -> ImportPreview:
    reader = csv.DictReader(io.StringIO(text))
    columns = {(c or "").strip().lower() for c in (reader.fieldnames or [])}
    missing = REQUIRED_COLUMNS - columns
    if missing:
        return ImportPreview(rows=[], file_errors=[f"Missing column(s): {', '.join(sorted(missing))}."])
    raw_rows = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            return ImportPreview(rows=[], file_errors=[f"The file has more than {MAX_ROWS} rows; split it."])
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if any(clean.values()):
            raw_rows.append(ImportRow(line=number, raw=clean))
    if not raw_rows:
        return ImportPreview(rows=[], file_errors=["The file has no rows."])

    # Case-insensitive lookups in one query each: people type "Elena" for the user "elena".
    names = {r.raw.get("holder", "").lower() for r in raw_rows} - {""}
    by_name: dict[str, object] = {}
    users = (
        get_user_model()
        .objects.annotate(username_ci=Lower("username"), email_ci=Lower("email"))
        .filter(Q(username_ci__in=names) | Q(email_ci__in=names), is_active=True)
    )
    for user in users if names else []:
        by_name[user.username_ci] = user
        if user.email_ci:
            by_name.setdefault(user.email_ci, user)

    codes = {r.raw.get("certification_code", "").lower() for r in raw_rows} - {""}
    certs_by_code: dict[str, list[Certification]] = {}
    certs = Certification.objects.select_related("partner").annotate(code_ci=Lower("code")).filter(code_ci__in=codes)
    for cert in certs if codes else []:
        certs_by_code.setdefault(cert.code_ci, []).append(cert)

    rows_ok: list[ImportRow] = []
    for row in raw_rows:
        errors = row.errors
        holder = by_name.get(row.raw.get("holder", "").lower())
        if not row.raw.get("holder"):
            errors.append("The holder is missing.")
        elif holder is None:
            errors.append(f'Unknown person "{row.raw["holder"][:60]}" (use an active user\'s username or email).')
        code = row.raw.get("certification_code", "")
        candidates = certs_by_code.get(code.lower(), [])
        partner_name = row.raw.get("partner", "").lower()
        if partner_name:
            candidates = [c for c in candidates if partner_name in (c.partner.name.lower(), c.partner.slug.lower())]
        cert = None
        if not code:
            errors.append("The certification code is missing.")
        elif not candidates:
            errors.append(f'Unknown certification code "{code[:60]}"{" at " + row.raw["partner"][:60] if partner_name else ""}.')
        elif len(candidates) > 1:
            errors.append(f'The code "{code[:60]}" exists at several partners; add a partner column.')
        else:
            cert = candidates[0]
        obtained = _date(row.raw.get("obtained_on", ""), "Obtained on", errors)
        if not row.raw.get("obtained_on"):
            errors.append("The date obtained is missing.")
        expires = _date(row.raw.get("expires_on", ""), "Expires on", errors)
        url = row.raw.get("verification_url", "")
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                errors.append("The verification URL is not a valid http(s) URL.")
        if len(row.raw.get("credential_id", "")) > 120:
            errors.append("The credential ID is longer than 120 characters.")
        if cert and obtained and expires is None:
            expires = cert.default_expiry(obtained)
            if not date_in_range(expires):
                errors.append(f"The expiry by the certification's validity ({expires}) is out of range: {DATE_RANGE_MESSAGE}")
        if obtained and expires and expires < obtained:
            errors.append("The expiry date cannot be before the date the certification was obtained.")
        if not errors:
            row.holding = Holding(
                holder=holder,
                certification=cert,
                obtained_on=obtained,
                expires_on=expires,
                credential_id=row.raw.get("credential_id", ""),
                verification_url=url,
            )
            rows_ok.append(row)

    # Overlaps, against the database and against earlier rows of the same file.
    pairs = {(r.holding.holder_id, r.holding.certification_id) for r in rows_ok}
    existing: dict[tuple[int, int], list[Holding]] = {}
    if pairs:
        candidates = Holding.objects.filter(holder_id__in={p[0] for p in pairs}, certification_id__in={p[1] for p in pairs}).only(
            "holder_id", "certification_id", "obtained_on", "expires_on"
        )
        for h in candidates:
            if (h.holder_id, h.certification_id) in pairs:
                existing.setdefault((h.holder_id, h.certification_id), []).append(h)
    in_file: dict[tuple[int, int], list[tuple[int, Holding]]] = {}
    for row in rows_ok:
        h = row.holding
        key = (h.holder_id, h.certification_id)
        clash = first_overlap(h.obtained_on, h.expires_on, existing.get(key, []))
        if clash is not None:
            row.errors.append(overlap_message(clash))
        else:
            earlier = next(
                ((line, o) for line, o in in_file.get(key, []) if first_overlap(h.obtained_on, h.expires_on, [o])), None
            )
            if earlier is not None:
                row.errors.append(f"Duplicate of line {earlier[0]}: the same person and certification with overlapping validity.")
        if row.ok:
            in_file.setdefault(key, []).append((row.line, h))
        else:
            row.holding = None
    return ImportPreview(rows=raw_rows)


@transaction.atomic
def import_holdings(text: str, *, skip_bad_rows: bool) -> tuple[ImportPreview, int]:
    """Re-check the file and save its rows; nothing is saved when a row is bad and skipping was not chosen."""
    preview = preview_import(text)
    if preview.file_errors or (preview.bad and not skip_bad_rows):
        return preview, 0
    for row in preview.good:
        # full_clean again: the database may have changed since the preview.
        holding_save(holding=row.holding, refresh_compliance=False)
    # One refresh for the whole file rather than one per row.
    compliance_refresh_for_certifications(certification_ids={row.holding.certification_id for row in preview.good})
    return preview, len(preview.good)
