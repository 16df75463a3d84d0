from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"

    def ready(self) -> None:
        from . import commissions  # noqa: F401 - registers the referral commission on won deals
