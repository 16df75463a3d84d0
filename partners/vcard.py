"""vCard 3.0 export of contacts (RFC 2426), written by hand: a few lines, no library needed."""

from collections.abc import Iterable

from .models import Contact


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def contacts_to_vcard(contacts: Iterable[Contact]) -> str:
    cards = []
    for contact in contacts:
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{_escape(contact.last_name)};{_escape(contact.first_name)};;;",
            f"FN:{_escape(contact.full_name)}",
            f"ORG:{_escape(contact.partner.name)}",
        ]
        if contact.job_title:
            lines.append(f"TITLE:{_escape(contact.job_title)}")
        if contact.email:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK:{_escape(contact.email)}")
        if contact.phone:
            lines.append(f"TEL;TYPE=WORK,VOICE:{_escape(contact.phone)}")
        lines.append(f"NOTE:{_escape(contact.get_stakeholder_role_display())}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    return "\r\n".join(cards) + "\r\n"
