"""Form widgets rendered with Jinja2.

Every list page renders its filter form, and Django's template engine renders each widget and each
<option> through an include: on a list page that was a quarter of the CPU. Django ships Jinja2
versions of all its widget and form templates; this renderer uses them, and falls back to the
Django template engine for templates that exist only there (e.g. django-filter's range widget).
"""

from functools import cached_property

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class JinjaWidgetRenderer(BaseRenderer):
    @cached_property
    def _jinja(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
