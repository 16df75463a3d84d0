"""Everyone chooses, per reminder kind, one email each or the digest (issue 20, item 2)."""

import pytest
from django.urls import reverse

from partnerhub.models import NotificationSettings
from partnerhub.reminders import REMINDER_LABELS


def test_the_page_lists_every_reminder_kind_in_words(sales_client):
    page = sales_client.get(reverse("notification-settings"))
    assert page.status_code == 200
    for label in REMINDER_LABELS.values():
        assert label in page.content.decode()
    assert reverse("notification-settings") in sales_client.get(reverse("notifications")).content.decode()


def test_a_person_saves_their_own_choice_and_sees_it_again(sales, sales_client):
    kinds = sorted(REMINDER_LABELS)[:2]
    response = sales_client.post(reverse("notification-settings"), {"immediate_kinds": kinds})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=sales).immediate_kinds == kinds
    page = sales_client.get(reverse("notification-settings")).content.decode()
    assert page.count("checked") == 2
    # Unticking everything goes back to the digest for every kind.
    sales_client.post(reverse("notification-settings"), {})
    assert NotificationSettings.objects.get(user=sales).immediate_kinds == []


def test_an_unknown_kind_is_a_form_error_and_nothing_is_saved(sales, sales_client):
    response = sales_client.post(reverse("notification-settings"), {"immediate_kinds": ["no_such_kind"]})
    assert response.status_code == 200 and response.context["form"].errors
    assert not NotificationSettings.objects.filter(user=sales).exists()


@pytest.mark.parametrize("rows", [1, 30])
def test_query_count_is_flat(rows, sales, sales_client, django_assert_num_queries):
    from ..factories import UserFactory

    for index in range(rows):
        NotificationSettings.objects.create(user=UserFactory(username=f"someone-{index}"), immediate_kinds=[])
    # session, user, the user's own settings
    with django_assert_num_queries(3):
        assert sales_client.get(reverse("notification-settings")).status_code == 200
