from django import template
from django.urls import reverse

from partnerhub.history import AUDITED_MODELS

register = template.Library()


@register.filter
def history_url(obj) -> str:
    """The URL of an audited object's History fragment, or "" for other objects."""
    label = getattr(getattr(obj, "_meta", None), "label_lower", None)
    if not isinstance(label, str) or label not in AUDITED_MODELS or not getattr(obj, "pk", None):
        return ""
    app_label, model_name = label.split(".")
    return reverse("history", args=[app_label, model_name, obj.pk])
