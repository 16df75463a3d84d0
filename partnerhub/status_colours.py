"""One colour meaning per status, across badges and charts: good green, needs attention amber,
bad red, neutral grey, in progress blue. Charts (reporting/overview.py) take their colours from here;
badges use the same Bootstrap classes (`badge_class`)."""

GOOD, ATTENTION, BAD, NEUTRAL, PROGRESS = "good", "attention", "bad", "neutral", "progress"

# Bootstrap 5's success / warning / danger / secondary / primary, so charts match the badges.
HEX = {GOOD: "#198754", ATTENTION: "#ffc107", BAD: "#dc3545", NEUTRAL: "#6c757d", PROGRESS: "#0d6efd"}
BADGE = {
    GOOD: "text-bg-success",
    ATTENTION: "text-bg-warning",
    BAD: "text-bg-danger",
    NEUTRAL: "text-bg-secondary",
    PROGRESS: "text-bg-primary",
}

TONES: dict[str, dict[str, str]] = {
    "health": {"good": GOOD, "watch": ATTENTION, "at_risk": BAD, "unknown": NEUTRAL},
    "compliance": {"met": GOOD, "at_risk": ATTENTION, "not_met": BAD},
    "holding": {"valid": GOOD, "expiring": ATTENTION, "expired": BAD},
    "report": {"acknowledged": GOOD, "submitted": PROGRESS, "draft": ATTENTION, "due": NEUTRAL, "overdue": BAD},
    "registration": {
        "draft": NEUTRAL,
        "submitted": PROGRESS,
        "approved": PROGRESS,
        "won": GOOD,
        "rejected": BAD,
        "lost": BAD,
        "expired": NEUTRAL,
    },
}

# Series without a status (partner types, stages, currencies): distinct, but never green/amber/red,
# so they cannot be read as good or bad.
SERIES = ["#0d6efd", "#6f42c1", "#20c997", "#6c757d", "#0dcaf0", "#d63384", "#adb5bd", "#495057"]


def tone(domain: str, status: str) -> str:
    return TONES[domain].get(status, NEUTRAL)


def colours(domain: str, statuses: list[str]) -> list[str]:
    return [HEX[tone(domain, status)] for status in statuses]


def badge_class(domain: str, status: str) -> str:
    return BADGE[tone(domain, status)]
