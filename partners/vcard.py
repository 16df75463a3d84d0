"""vCard 3.0 export of contacts (RFC 2426), written by hand: a few lines, no library needed.

Each card has a `UID` that stays the same for the contact across exports (a contacts app updates the
person on a re-import instead of adding a duplicate) and a `REV` (when the contact last changed), and
every line longer than 75 octets is folded (CRLF + space, never inside a UTF-8 character).
Tests read the cards back with `vobject`.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC

from .models import Contact

# Fixed: the UID must not change when the site moves to another host name.
CONTACT_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "partnerhub.vshn.ch")
MAX_LINE_OCTETS = 75


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def contact_uid(contact: Contact) -> str:
    return f"urn:uuid:{uuid.uuid5(CONTACT_UID_NAMESPACE, f'contact:{contact.pk}')}"


def fold(line: str) -> str:
    """RFC 2426 section 2.6 (as RFC 5545): at most 75 octets per physical line; continuation lines
    start with one space, which counts towards their 75."""
    parts: list[str] = []
    current, size, limit = [], 0, MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def contacts_to_vcard(contacts: Iterable[Contact]) -> str:
    cards = []
    for contact in contacts:
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"UID:{contact_uid(contact)}",
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
        if contact.updated_at:
            lines.append(f"REV:{contact.updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(fold(line) for line in lines))
    return "\r\n".join(cards) + "\r\n"
