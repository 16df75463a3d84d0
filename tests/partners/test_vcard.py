"""vCard export read back with vobject (issue 20, item 4): a stable UID per contact, REV, and lines
folded at 75 octets (also inside long multi-byte text) that unfold to the original values."""

import pytest
import vobject
from django.urls import reverse

from partners.vcard import MAX_LINE_OCTETS, contact_uid, fold

from ..factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def _cards(client, partner):
    response = client.get(reverse("partners:partner-contacts", args=[partner.slug]), {"format": "vcf"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/vcard")
    return response.content, list(vobject.readComponents(response.content.decode("utf-8")))


def test_cards_parse_with_uid_rev_and_folded_lines(outsider_client):
    partner = PartnerFactory(name="Zürcher Kantonalbank Informatik- und Cloud-Dienstleistungen Genossenschaft")
    long_title = "Leiterin Partnermanagement für Öffentliche Verwaltung, Gesundheitswesen und Bildung – Région Romandie"
    heidi = ContactFactory(
        partner=partner,
        first_name="Heidi",
        last_name="Müller-Brünnhäuser",
        job_title=long_title,
        email="heidi@example.com",
        phone="+41 44 512 34 10",
    )
    ContactFactory(partner=partner, first_name="Jean", last_name="Dubois")
    raw, cards = _cards(outsider_client, partner)

    assert all(len(line) <= MAX_LINE_OCTETS for line in raw.split(b"\r\n")), "a line is longer than 75 octets"
    assert b"\r\n " in raw  # something was folded
    raw.decode("utf-8")  # never folded inside a UTF-8 character

    assert len(cards) == 2
    card = next(c for c in cards if c.fn.value == "Heidi Müller-Brünnhäuser")
    assert card.title.value == long_title
    assert card.org.value == [partner.name]
    assert card.tel.value == "+41 44 512 34 10"
    assert card.uid.value == contact_uid(heidi) and card.uid.value.startswith("urn:uuid:")
    assert card.rev.value.endswith("Z") and card.rev.value.startswith(f"{heidi.updated_at:%Y}")
    assert len({c.uid.value for c in cards}) == 2


def test_uid_is_stable_across_exports_and_edits(outsider_client):
    partner = PartnerFactory()
    contact = ContactFactory(partner=partner, first_name="Anna", last_name="Meier")
    _, before = _cards(outsider_client, partner)
    contact.job_title = "CTO"
    contact.save()
    _, after = _cards(outsider_client, partner)
    assert before[0].uid.value == after[0].uid.value
    assert after[0].rev.value >= before[0].rev.value


@pytest.mark.parametrize("text", ["x" * 200, "ä" * 100, "€" * 80, "a" + "😀" * 40])
def test_fold_keeps_lines_short_and_characters_whole(text):
    folded = fold(f"NOTE:{text}")
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= MAX_LINE_OCTETS for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join([lines[0], *(line[1:] for line in lines[1:])]) == f"NOTE:{text}"
