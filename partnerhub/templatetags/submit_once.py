from django import template
from django.utils.html import format_html

from partnerhub.submit_once import FORM_TOKEN_FIELD, new_form_token

register = template.Library()


@register.simple_tag
def form_token() -> str:
    """A one-time token for a create form (see partnerhub/submit_once.py): a new one per render."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_TOKEN_FIELD, new_form_token())
