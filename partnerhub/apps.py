from django.apps import AppConfig


class PartnerHubConfig(AppConfig):
    name = "partnerhub"
    verbose_name = "PartnerHub"

    def ready(self) -> None:
        from . import attention, reminders, signals  # noqa: F401 - signals connect on import

        reminders.discover()
        attention.discover()
