"""The admin keeps what the product promises to keep.

`KeepRecordsAdmin` removes the delete button, the delete page and the bulk "delete selected" action of
a model people must never lose (partners, invoices, license reports, users), and says why on the
change form and when someone opens a delete URL anyway; archive or deactivate actions take its place.
tests/security/test_admin_deletes.py lists every registered admin and what its delete may do.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

if TYPE_CHECKING:  # a mixin for ModelAdmin subclasses: typed as one, a plain class at run time
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin[Any]
else:
    _AdminBase = object


class KeepRecordsAdmin(_AdminBase):
    """Mix into a ModelAdmin (first) and set `keep_reason`."""

    keep_reason = ""
    change_form_template = "admin/keep_records_change_form.html"

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        messages.warning(request, self.keep_reason)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "keep_reason": self.keep_reason}
        return super().changeform_view(request, object_id, form_url, extra_context)
