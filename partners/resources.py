"""django-import-export resources: CSV/XLSX import of partners and contacts with a preview."""

from import_export import fields, resources, widgets

from .models import Contact, Partner, PartnerType


class PartnerResource(resources.ModelResource):
    types = fields.Field(
        attribute="types", column_name="types", widget=widgets.ManyToManyWidget(PartnerType, field="name", separator=";")
    )
    manager = fields.Field(
        attribute="manager", column_name="manager", widget=widgets.ForeignKeyWidget("auth.User", field="username")
    )

    class Meta:
        model = Partner
        import_id_fields = ["slug"]
        fields = ["name", "slug", "types", "stage", "manager", "program_level", "website", "markets", "sync_cadence", "archived"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class ContactResource(resources.ModelResource):
    partner = fields.Field(attribute="partner", column_name="partner", widget=widgets.ForeignKeyWidget(Partner, field="slug"))

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
        clean_model_instances = True
