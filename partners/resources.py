"""django-import-export resources: CSV/XLSX import of partners and contacts with a preview.

Every column the export writes is read back by the import (round trip: exporting and importing the
file again changes nothing, every row is reported as skipped). A reference that names nothing (an
unknown manager, partner type or partner) is an error in words on its row, never a silent blank.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from .models import Contact, Partner, PartnerType


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


class ContactResource(resources.ModelResource):
    partner = fields.Field(
        attribute="partner",
        column_name="partner",
        widget=StrictForeignKeyWidget(Partner, field="slug", label="partner with the slug"),
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

    def before_import(self, dataset, **kwargs):
        if "partner" in dataset.headers:
            self.fields["partner"].widget.preload(dataset["partner"])
