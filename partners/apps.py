from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"

    def ready(self) -> None:
        from . import onboarding, sections  # noqa: F401 - onboarding registers its proof sweep on import

        sections.discover()
