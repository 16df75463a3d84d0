"""The main navigation and the user menu, derived from the apps: an installed app with a
`templates/<app>/_nav.html` (nav `<li>` items) or `templates/<app>/_user_menu.html` (dropdown items)
contributes it, in INSTALLED_APPS order. Adding the template is the registration: there is no
central list to keep in sync. `base.html` renders them once per role set (fragment cache), so they
may use only `can.*`.
"""

from django.apps import apps
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .registry import Registry

NAV_ITEMS: Registry[str, str] = Registry("navigation items")
USER_MENU_ITEMS: Registry[str, str] = Registry("user menu items")

_FILES = {"_nav.html": NAV_ITEMS, "_user_menu.html": USER_MENU_ITEMS}
_discovered: set[str] = set()


def app_templates(filename: str) -> list[str]:
    """["activities/_nav.html", "certifications/_nav.html", ...] for every app that has one."""
    registry = _FILES[filename]
    if filename not in _discovered:
        for config in apps.get_app_configs():
            name = f"{config.label}/{filename}"
            try:
                get_template(name)
            except TemplateDoesNotExist:
                continue
            registry.register(name, name, origin=config.name)
        _discovered.add(filename)
    return list(registry)


def discover() -> None:
    for filename in _FILES:
        app_templates(filename)
