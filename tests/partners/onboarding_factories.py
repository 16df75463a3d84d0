"""Onboarding tracks for tests: a track of steps for a partner type."""

from partners.models import OnboardingProof, OnboardingStepTemplate, OnboardingTrack

from ..factories import partner_type

DEFAULT_STEPS = [
    # title, owner role, due offset, required, proof
    ("Sign partner agreement", "partner_manager", 14, True, OnboardingProof.PARTNER_AGREEMENT),
    ("NDA", "partner_manager", 7, True, OnboardingProof.NDA),
    ("Supplier risk assessment", "partner_manager", 21, True, OnboardingProof.RISK_ASSESSMENT),
    ("Portal accounts", "sales", 10, True, ""),
    ("Joint fact sheet", "marketing", 45, False, ""),
]


def make_track(code: str = "software-vendor", steps=DEFAULT_STEPS) -> OnboardingTrack:
    track = OnboardingTrack.objects.create(partner_type=partner_type(code))
    for position, (title, role, offset, required, proof) in enumerate(steps, start=1):
        OnboardingStepTemplate.objects.create(
            track=track,
            position=position * 10,
            title=title,
            owner_role=role,
            due_offset_days=offset,
            required=required,
            proof=proof,
        )
    return track
