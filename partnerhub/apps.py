from django.apps import AppConfig


class PartnerHubConfig(AppConfig):
    name = "partnerhub"
    verbose_name = "PartnerHub"

    def ready(self) -> None:
        from . import attention, reminders

        reminders.discover()
        attention.discover()
