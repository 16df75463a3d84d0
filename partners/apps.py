from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"

    def ready(self) -> None:
        from . import onboarding, sections  # noqa: F401 - onboarding registers its proof sweep on import

        sections.discover()
        self._unlink_collateral_when_a_partner_leaves_a_campaign()

    @staticmethod
    def _unlink_collateral_when_a_partner_leaves_a_campaign() -> None:
        from django.db.models.signals import m2m_changed

        from .models import collateral_campaigns
        from .services import collateral_campaign_partners_changed

        through = collateral_campaigns().model.partners.through
        m2m_changed.connect(
            collateral_campaign_partners_changed, sender=through, weak=False, dispatch_uid="collateral-campaign-partners"
        )
