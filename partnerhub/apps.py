from django.apps import AppConfig


class PartnerHubConfig(AppConfig):
    name = "partnerhub"
    verbose_name = "PartnerHub"

    def ready(self) -> None:
        from . import attention, files, reminders, signals, submit_once  # noqa: F401 - signals and the token sweep register on import

        from .input_bounds import install_form_validators

        install_form_validators()  # control characters and far dates refused by every form field
        reminders.discover()
        attention.discover()
