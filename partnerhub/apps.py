from django.apps import AppConfig


class PartnerHubConfig(AppConfig):
    name = "partnerhub"
    verbose_name = "PartnerHub"

    def ready(self) -> None:
        from . import attention, files, reminders, signals, submit_once, targets  # noqa: F401 - signals and the token sweep register on import
        from .company_sign_in import signals as company_sign_in_signals  # noqa: F401 - the sign-in log
        from .form_fields import install_native_date_inputs
        from .formatting import install_person_names
        from .input_bounds import install_form_validators

        install_native_date_inputs()  # date pickers, never a text box in mm/dd/yyyy
        install_person_names()  # people by full name everywhere a user is shown (lists, pickers, history)
        install_form_validators()  # control characters and far dates refused by every form field
        reminders.discover()
        attention.discover()
        targets.discover()  # joint-plan target actuals (<app>/targets.py)
