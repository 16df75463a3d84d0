"""django-import-export resources: CSV/XLSX import of partners and contacts with a preview.

Every column the export writes is read back by the import (round trip: exporting and importing the
file again changes nothing, every row is reported as skipped). A reference that names nothing (an
unknown manager, partner type or partner) is an error in words on its row, never a silent blank.

Contacts (issue 16, item 7) also come from spreadsheets: the import reads PartnerHub's own contacts
export (the list's CSV: "Partner", "First name", ..., partner by name, roles by label, yes/no), UTF-8
or Windows-1252, split by "," or ";" (`SpreadsheetCSV`); a row without an id updates the contact with
its email (or, without an email, the partner's contact of that name) instead of adding a duplicate;
every row says in words what the import does with it and why (`row.reason` in the preview).
"""

import re
from collections import defaultdict

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult

from partnerhub.csv_export import is_formula

from .models import Contact, Partner, PartnerType


def decode_spreadsheet_text(data: bytes | str) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 (Excel's "CSV" on Windows)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The separator the header line uses most, outside quotes: "," or ";" (Excel in Switzerland) or a tab."""
    header = re.sub(r'"[^"]*"', "", text.lstrip().split("\n", 1)[0])
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


class SpreadsheetCSV(base_formats.CSV):
    """CSV as spreadsheets write it: read as bytes, the encoding and the separator detected."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = decode_spreadsheet_text(in_stream)
        return tablib.Dataset().load(text, format="csv", delimiter=sniff_delimiter(text))


class StrictForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key by a natural key (username, slug); an unknown value is an error that says which."""

    def __init__(self, model, field: str, *, label: str) -> None:
        super().__init__(model, field=field)
        self.label = label
        self.known: dict[str, object] | None = None  # preloaded for one import (a resource's own copy)

    def preload(self, values) -> None:
        """One query for every value of the file's column, instead of one per row."""
        wanted = {str(value).strip() for value in values if value not in (None, "")}
        self.known = {str(getattr(obj, self.field)): obj for obj in self.model.objects.filter(**{f"{self.field}__in": wanted})}

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value).strip()
        if not value:
            return None
        if self.known is not None:  # preloaded: every value of the column is in it, or does not exist
            if value in self.known:
                return self.known[value]
            raise ValueError(f"No {self.label} “{value}” exists.")
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: value})
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.label} “{value}” exists.") from None


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Partner types by name, separated by ";"; an unknown name is an error naming it."""

    def __init__(self, model, field: str, separator: str, *, label: str) -> None:
        super().__init__(model, field=field, separator=separator)
        self.label = label
        self.known: dict[str, object] | None = None

    def preload(self) -> None:
        """The catalog is small: read it once per import."""
        self.known = {getattr(obj, self.field): obj for obj in self.model.objects.all()}

    def clean(self, value, row=None, **kwargs):
        names = list(dict.fromkeys(name.strip() for name in str(value or "").split(self.separator) if name.strip()))
        known = self.known if self.known is not None else {getattr(o, self.field): o for o in self.model.objects.all()}
        missing = [name for name in names if name not in known]
        if missing:
            raise ValueError(f"No {self.label} named {', '.join(f'“{m}”' for m in missing)} (known: {', '.join(sorted(known))}).")
        return [known[name] for name in names]


class _Loaded:
    """Stands in for a related manager whose rows were loaded in bulk (`.all()` is all the widget asks)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def all(self) -> list:
        return self.rows


class BulkTypesField(fields.Field):
    """The partner's types from the import's one bulk query (`PartnerLoader`) when it has them.

    (A prefetch would do for reading, but the import deep-copies each instance to compare before and
    after, and a copied prefetch cache is empty.)"""

    def get_value(self, instance):
        loaded = getattr(instance, "_import_types", None)
        return _Loaded(loaded) if loaded is not None else super().get_value(instance)


class PartnerLoader(CachedInstanceLoader):
    """The file's partners in one query and their types in one more, not a get() and a query per row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        through = Partner.types.through
        by_partner: dict[int, list] = {pk: [] for pk in (p.pk for p in self.all_instances.values())}
        for row in through.objects.filter(partner_id__in=list(by_partner)).select_related("partnertype"):
            by_partner[row.partner_id].append(row.partnertype)
        for partner in self.all_instances.values():
            partner._import_types = by_partner[partner.pk]


class PartnerResource(resources.ModelResource):
    types = BulkTypesField(
        attribute="types",
        column_name="types",
        widget=StrictManyToManyWidget(PartnerType, field="name", separator=";", label="partner type"),
    )
    manager = fields.Field(
        attribute="manager",
        column_name="manager",
        widget=StrictForeignKeyWidget(get_user_model(), field="username", label="user with the username"),
    )

    class Meta:
        model = Partner
        import_id_fields = ["slug"]
        fields = ["name", "slug", "types", "stage", "manager", "program_level", "website", "markets", "sync_cadence", "archived"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = PartnerLoader

    def get_queryset(self):
        return super().get_queryset().select_related("manager")

    def before_import(self, dataset, **kwargs):
        if "manager" in dataset.headers:
            self.fields["manager"].widget.preload(dataset["manager"])
        self.fields["types"].widget.preload()

    def import_instance(self, instance, row, **kwargs):
        """An unknown partner type is a validation error on its row, next to the others (the types are
        only written after validation, where a failure would hide every other message)."""
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "types" in row:
            try:
                self.fields["types"].clean(row)
            except ValueError as error:
                errors.setdefault("types", []).append(str(error))
        if errors:
            raise ValidationError(errors)

    def save_m2m(self, instance, row, **kwargs):
        """Write the types as a difference against the bulk-loaded ones: no query per row to read them."""
        if "types" not in row or (self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs)):
            return
        wanted = {t.pk: t for t in self.fields["types"].clean(row)}
        held = {t.pk for t in getattr(instance, "_import_types", None) or []}  # a new partner has none
        through = Partner.types.through
        if held - set(wanted):
            through.objects.filter(partner_id=instance.pk, partnertype_id__in=held - set(wanted)).delete()
        through.objects.bulk_create(
            [through(partner_id=instance.pk, partnertype_id=pk) for pk in set(wanted) - held], ignore_conflicts=True
        )
        instance._import_types = list(wanted.values())  # what the diff shows afterwards


class PartnerSlugOrNameWidget(StrictForeignKeyWidget):
    """A partner by slug (the admin's export) or by name (the contacts list's export)."""

    def __init__(self) -> None:
        super().__init__(Partner, field="slug", label="partner with the slug or name")
        self.by_name: dict[str, list[Partner]] = {}

    def preload(self, values) -> None:
        wanted = {str(value).strip() for value in values if value not in (None, "")}
        partners = list(Partner.objects.filter(slug__in=wanted)) + list(Partner.objects.filter(name__in=wanted))
        self.known = {p.slug: p for p in partners}
        self.by_name = defaultdict(list)
        for partner in {p.pk: p for p in partners}.values():
            self.by_name[partner.name.casefold()].append(partner)

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value).strip()
        if not value:
            return None
        if self.known is None:
            self.preload([value])
        known = self.known or {}
        if value in known:
            return known[value]
        named = self.by_name.get(value.casefold(), [])
        if len(named) == 1:
            return named[0]
        if named:
            slugs = ", ".join(sorted(p.slug for p in named))
            raise ValueError(f"{len(named)} partners are named “{value}”: write the partner's slug instead ({slugs}).")
        raise ValueError(f"No partner with the slug or name “{value}” exists.")


# Column titles of PartnerHub's contacts export (and common spellings) -> the resource's fields.
CONTACT_COLUMNS = {
    "partner": "partner",
    "partner slug": "partner",
    "first name": "first_name",
    "firstname": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "job title": "job_title",
    "stakeholder role": "stakeholder_role",
    "role": "stakeholder_role",
    "email": "email",
    "e-mail": "email",
    "phone": "phone",
    "primary": "is_primary",
    "primary contact": "is_primary",
    "is primary": "is_primary",
    "active": "is_active",
    "is active": "is_active",
}
REQUIRED_CONTACT_COLUMNS = ("partner", "first_name", "last_name")
YES = {"1", "yes", "y", "true", "x", "ja", "oui", "si", "sì"}
NO = {"0", "no", "n", "false", "nein", "non"}


def contact_column(header: object) -> str:
    key = re.sub(r"[\s_]+", " ", str(header or "").strip().lower())
    return CONTACT_COLUMNS.get(key, key.replace(" ", "_"))


def _key(text: object) -> str:
    return str(text or "").strip().casefold()


class ContactResource(resources.ModelResource):
    partner = fields.Field(
        attribute="partner",
        column_name="partner",
        widget=PartnerSlugOrNameWidget(),
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "partner",
            "first_name",
            "last_name",
            "job_title",
            "stakeholder_role",
            "email",
            "phone",
            "is_primary",
            "is_active",
        ]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader  # the file's contacts in one query

    def get_queryset(self):
        return super().get_queryset().select_related("partner")

    # --- Reading the file ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        """Column titles of any known spelling; the file's partners and matching contacts in bulk."""
        if dataset.headers:
            dataset.headers = [contact_column(header) for header in dataset.headers]
        missing = [name for name in REQUIRED_CONTACT_COLUMNS if name not in (dataset.headers or [])]
        if missing and "id" not in (dataset.headers or []):
            found = ", ".join(f"“{h}”" for h in dataset.headers or []) or "none"
            raise ValueError(
                f"The file has no {', '.join(missing)} column (its columns: {found}). Import the admin's contact export "
                "or the contacts list's CSV (Partner, First name, Last name, Job title, Stakeholder role, Email, Phone, "
                "Primary, Active)."
            )
        self.fields["partner"].widget.preload(dataset["partner"] if "partner" in dataset.headers else [])
        self._roles = {_key(label): value for value, label in Contact.StakeholderRole.choices}
        self._roles.update({_key(value): value for value in Contact.StakeholderRole.values})
        rows = list(dataset.dict)
        emails = {_key(row.get("email")) for row in rows} - {""}
        last_names = {_key(row.get("last_name")) for row in rows if not _key(row.get("email"))} - {""}
        self._by_email: dict[str, list[Contact]] = defaultdict(list)
        self._by_name: dict[tuple, list[Contact]] = defaultdict(list)
        contacts = Contact.objects.select_related("partner").annotate(email_key=Lower("email"), last_key=Lower("last_name"))
        for contact in contacts.filter(email_key__in=emails) if emails else []:
            self._by_email[_key(contact.email)].append(contact)
        for contact in contacts.filter(last_key__in=last_names) if last_names else []:
            self._by_name[self._name_key(contact.partner_id, contact.first_name, contact.last_name)].append(contact)

    @staticmethod
    def _name_key(partner_id, first_name, last_name) -> tuple:
        return (partner_id, _key(first_name), _key(last_name))

    def before_import_row(self, row, **kwargs):
        """Spreadsheet spellings to field values: yes/no, roles by label, formulas defused by the export."""
        for name, value in row.items():
            if isinstance(value, str) and value.startswith("'") and is_formula(value[1:]):
                row[name] = value[1:]  # the export's apostrophe before a formula is not part of the value
        errors = {}
        for name, empty in (("is_primary", "0"), ("is_active", "1")):  # an empty cell: as a contact added by hand
            if name in row and not isinstance(row[name], bool | int):
                value = _key(row[name])
                if not value:
                    row[name] = empty
                elif value in YES:
                    row[name] = "1"
                elif value in NO:
                    row[name] = "0"
                else:
                    errors[name] = f"“{row[name]}” is neither yes nor no."
        if row.get("stakeholder_role") not in (None, ""):
            row["stakeholder_role"] = self._roles.get(_key(row["stakeholder_role"]), row["stakeholder_role"])
        if errors:
            raise ValidationError(errors)

    # --- Which contact a row is ---------------------------------------------------------------

    def get_instance(self, instance_loader, row):
        """By id when the file has one; else by email; else (no email) the partner's contact of that name."""
        self._matched_by = ""
        if str(row.get("id") or "").strip():
            self._matched_by = "by its id"
            return super().get_instance(instance_loader, row)
        try:
            partner = self.fields["partner"].clean(row)
        except (ValueError, KeyError):
            partner = None  # reported on the row by the partner field itself
        email = _key(row.get("email"))
        if email:
            candidates = self._by_email.get(email, [])
            self._matched_by = f"by its email {str(row['email']).strip()}"
        elif partner is not None:
            candidates = self._by_name.get(self._name_key(partner.pk, row.get("first_name"), row.get("last_name")), [])
            self._matched_by = f"by name at {partner.name} (the row has no email)"
        else:
            candidates = []
        if len(candidates) > 1 and partner is not None:
            candidates = [c for c in candidates if c.partner_id == partner.pk] or candidates
        if len(candidates) > 1:
            where = "; ".join(f"{c.full_name} at {c.partner.name} (id {c.pk})" for c in candidates)
            raise ValidationError(
                {
                    "email": f"{len(candidates)} contacts match this row {self._matched_by}: {where}. Add an id column to say which."
                }
            )
        return candidates[0] if candidates else None

    def after_save_instance(self, instance, row, **kwargs):
        """A contact the file added is the one a later row with the same email updates."""
        if instance.email and instance not in self._by_email[_key(instance.email)]:
            self._by_email[_key(instance.email)].append(instance)
        key = self._name_key(instance.partner_id, instance.first_name, instance.last_name)
        if instance not in self._by_name[key]:
            self._by_name[key].append(instance)

    # --- Saying why -----------------------------------------------------------------------------

    def import_row(self, row, instance_loader, **kwargs):
        if not any(str(value or "").strip() for value in row.values()):
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            result.reason = "Skipped: the row is empty."
            return result
        result = super().import_row(row, instance_loader, **kwargs)
        name = " ".join(str(row.get(n) or "").strip() for n in ("first_name", "last_name")).strip() or "This contact"
        if result.import_type == RowResult.IMPORT_TYPE_SKIP:
            result.reason = f"Skipped: {name} is already in PartnerHub with these values (found {self._matched_by})."
        elif result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            result.reason = f"Updates {name}, found {self._matched_by}."
        elif result.import_type == RowResult.IMPORT_TYPE_NEW:
            result.reason = f"New: no contact matches {name} " + (
                "by email." if _key(row.get("email")) else "by name at the partner (the row has no email)."
            )
        return result
