"""Tasks with owners (issue 17, item 2): the model's rules, the services (create, complete, reopen,
reassign; who may), follow-ups of activities as tasks, @mentions, the pages (My tasks, Team tasks,
the form, the actions, the @mention suggestions), the inbox, the calendar and the reminders."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.attention import my_tasks, task_events
from activities.models import Activity, Task
from partnerhub.models import Notification, ReminderSent

from ..factories import PartnerFactory, UserFactory
from ..helpers import run_at_once
from .factories import ActivityFactory, TaskFactory

pytestmark = pytest.mark.django_db


def TODAY():  # noqa: N802
    return timezone.localdate()


def notified(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "title"))


class TestModel:
    def test_done_by_needs_done_at(self, sales):
        task = TaskFactory(assignee=sales)
        task.done_by = sales
        with pytest.raises(ValidationError, match="Only a done task has someone who did it"):
            task.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            Task.objects.filter(pk=task.pk).update(done_by=sales)

    def test_due_date_outside_the_range_is_refused(self, sales):
        task = TaskFactory.build(partner=PartnerFactory(), assignee=sales, created_by=sales, due_on=TODAY().replace(year=2150))
        with pytest.raises(ValidationError):
            task.full_clean()

    def test_source_links_to_the_record(self, sales):
        activity = ActivityFactory(follow_up_on=TODAY() + timedelta(days=2), author=sales)
        task = services.follow_up_task_sync(activity=activity, by=sales)
        label, url = task.source_link
        assert activity.subject in label and url == activity.get_absolute_url()
        campaign_source = PartnerFactory()
        other = TaskFactory(assignee=sales)
        other.source = campaign_source
        other.save()
        assert Task.objects.get(pk=other.pk).source_link == (str(campaign_source), campaign_source.get_absolute_url())


class TestServices:
    def test_create_notifies_the_assignee_after_the_commit_not_oneself(self, manager, sales, django_capture_on_commit_callbacks):
        partner = PartnerFactory()
        with django_capture_on_commit_callbacks() as callbacks:
            services.task_save(task=Task(title="Call Nina", partner=partner, assignee=sales, due_on=TODAY()), by=manager)
            services.task_save(task=Task(title="Mine", partner=partner, assignee=manager, due_on=TODAY()), by=manager)
        assert not Notification.objects.exists()  # not before the commit
        for callback in callbacks:
            callback()
        assert notified("task_assigned") == [("sales", f"{partner.name}: “Call Nina” is yours")]
        assert Task.objects.get(title="Call Nina").created_by == manager

    def test_inactive_assignee_is_a_clear_error_and_nothing_saved(self, manager):
        gone = UserFactory(is_active=False, first_name="Old", last_name="Colleague")
        with pytest.raises(ValidationError) as error:
            services.task_save(task=Task(title="X", partner=PartnerFactory(), assignee=gone, due_on=TODAY()), by=manager)
        assert "Old Colleague's account is inactive" in str(error.value.message_dict["assignee"])
        assert not Task.objects.exists()

    def test_accounting_may_not_create(self, accounting):
        with pytest.raises(PermissionDenied):
            services.task_save(task=Task(title="X", partner=PartnerFactory(), assignee=accounting, due_on=TODAY()), by=accounting)

    def test_complete_twice_tells_who_was_first(self, sales, manager):
        task = TaskFactory(assignee=sales, title="Send offer")
        services.task_complete(task_id=task.pk, by=sales)
        with pytest.raises(ValidationError, match="already marked done by"):
            services.task_complete(task_id=task.pk, by=manager)
        task.refresh_from_db()
        assert task.done_by == sales and task.done_at is not None
        services.task_reopen(task_id=task.pk, by=manager)
        task.refresh_from_db()
        assert task.done_at is None and task.done_by is None

    def test_who_may_complete_and_reassign(self, sales, marketing, manager, accounting, django_capture_on_commit_callbacks):
        task = TaskFactory(assignee=sales, created_by=manager)
        with pytest.raises(PermissionDenied):
            services.task_complete(task_id=task.pk, by=marketing)
        with pytest.raises(PermissionDenied):
            services.task_reassign(task_id=task.pk, assignee=marketing, by=marketing)
        with pytest.raises(PermissionDenied):
            services.task_reassign(task_id=task.pk, assignee=marketing, by=accounting)
        with django_capture_on_commit_callbacks(execute=True):
            services.task_reassign(task_id=task.pk, assignee=marketing, by=sales)  # one's own
        assert Task.objects.get(pk=task.pk).assignee == marketing
        assert [r for r, _ in notified("task_assigned")] == ["marketing"]
        with django_capture_on_commit_callbacks(execute=True):
            services.task_reassign(task_id=task.pk, assignee=accounting, by=manager)  # a partner manager: anyone's
        assert Task.objects.get(pk=task.pk).assignee == accounting
        # The assignee may complete their own task whatever their role.
        services.task_complete(task_id=task.pk, by=accounting)

    def test_reassign_to_inactive_or_a_done_task_is_refused(self, sales, manager):
        task = TaskFactory(assignee=sales)
        with pytest.raises(ValidationError, match="inactive"):
            services.task_reassign(task_id=task.pk, assignee=UserFactory(is_active=False), by=manager)
        services.task_complete(task_id=task.pk, by=sales)
        with pytest.raises(ValidationError, match="reopen it before"):
            services.task_reassign(task_id=task.pk, assignee=manager, by=manager)
        assert Task.objects.get(pk=task.pk).assignee == sales


class TestFollowUpsAreTasks:
    def test_an_activity_with_a_follow_up_makes_moves_and_removes_its_task(self, sales):
        activity = Activity(
            partner=PartnerFactory(), occurred_on=TODAY(), subject="Offer call", follow_up_on=TODAY() + timedelta(days=3)
        )
        services.activity_log(activity=activity, author=sales)
        task = Task.objects.get(activity=activity)
        assert (task.title, task.assignee, task.due_on) == ("Follow up: Offer call", sales, activity.follow_up_on)
        activity.follow_up_on = TODAY() + timedelta(days=5)
        services.activity_log(activity=activity, by=sales)
        assert Task.objects.get(activity=activity).due_on == TODAY() + timedelta(days=5)
        activity.follow_up_on = None
        services.activity_log(activity=activity, by=sales)
        assert not Task.objects.filter(activity=activity).exists()

    def test_follow_up_for_a_colleague_notifies_them(self, sales, marketing, django_capture_on_commit_callbacks):
        activity = Activity(partner=PartnerFactory(), occurred_on=TODAY(), subject="Fair", follow_up_on=TODAY())
        with django_capture_on_commit_callbacks(execute=True):
            services.activity_log(activity=activity, author=sales, follow_up_assignee=marketing)
        assert Task.objects.get(activity=activity).assignee == marketing
        assert [r for r, _ in notified("task_assigned")] == ["marketing"]

    def test_inactive_follow_up_assignee_is_refused(self, sales):
        activity = Activity(partner=PartnerFactory(), occurred_on=TODAY(), subject="Fair", follow_up_on=TODAY())
        with pytest.raises(ValidationError) as error, transaction.atomic():
            services.activity_log(activity=activity, author=sales, follow_up_assignee=UserFactory(is_active=False))
        assert "follow_up_assignee" in error.value.message_dict
        assert not Activity.objects.filter(subject="Fair").exists()

    def test_completing_the_task_closes_the_follow_up_and_back(self, sales):
        activity = ActivityFactory(author=sales, follow_up_on=TODAY())
        task = services.follow_up_task_sync(activity=activity, by=sales)
        services.task_complete(task_id=task.pk, by=sales)
        assert Activity.objects.get(pk=activity.pk).follow_up_done
        services.task_reopen(task_id=task.pk, by=sales)
        assert not Activity.objects.get(pk=activity.pk).follow_up_done

    def test_follow_up_done_endpoint_completes_the_task(self, sales_client, sales):
        activity = ActivityFactory(author=sales, follow_up_on=TODAY())
        task = services.follow_up_task_sync(activity=activity, by=sales)
        sales_client.post(reverse("activities:follow-up-done", args=[activity.pk]))
        task.refresh_from_db()
        assert task.done_by == sales and Activity.objects.get(pk=activity.pk).follow_up_done

    def test_review_action_items_are_tasks_of_their_owner(self, manager, sales, django_capture_on_commit_callbacks):
        from reporting.services import review_add_action_item

        from ..reporting.test_reviews import make_review

        review = make_review()
        with django_capture_on_commit_callbacks(execute=True):
            item = review_add_action_item(review=review, title="Book venue", owner=sales, due_on=TODAY(), by=manager)
        task = Task.objects.get(activity=item.follow_up)
        assert (task.assignee, task.created_by, task.due_on) == (sales, manager, TODAY())
        assert [r for r, _ in notified("task_assigned")] == ["sales"]


class TestMentions:
    def test_each_active_colleague_once_unknown_and_self_ignored(
        self, sales, marketing, manager, django_capture_on_commit_callbacks
    ):
        UserFactory(username="retired", is_active=False)
        activity = Activity(
            partner=PartnerFactory(),
            occurred_on=TODAY(),
            subject="Sync",
            notes="@marketing please prepare; @manager FYI. @marketing again, @nobody, @sales, @retired, mail nina@marketing.ch",
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.activity_log(activity=activity, author=sales)
        assert [r for r, _ in notified("activity_mention")] == ["manager", "marketing"]
        # Saved again with one more mention: only the newcomer is told.
        activity.notes += " @accounting"
        accounting = UserFactory(username="accounting")
        with django_capture_on_commit_callbacks(execute=True):
            services.activity_log(activity=activity, by=sales)
        assert [r for r, _ in notified("activity_mention")] == ["accounting", "manager", "marketing"]
        assert Notification.objects.filter(kind="activity_mention", recipient=accounting).count() == 1

    def test_mention_parsing(self):
        assert services.mentioned_usernames(text="Hi @anna.muster, and @bob. x@y.ch @") == {"anna.muster", "bob"}


class TestPages:
    def test_my_tasks_lists_mine_open_by_default(self, sales_client, sales):
        mine = TaskFactory(assignee=sales, title="Mine open")
        TaskFactory(assignee=sales, title="Mine done", done_at=timezone.now(), done_by=sales)
        TaskFactory(title="Someone else's")
        response = sales_client.get(reverse("activities:tasks-mine"))
        assert [t.pk for t in response.context["page_obj"]] == [mine.pk]
        assert "Mine open" in response.content.decode()
        done = sales_client.get(reverse("activities:tasks-mine"), {"status": "done"})
        assert [t.title for t in done.context["page_obj"]] == ["Mine done"]

    def test_team_tasks_filters_sort_and_csv(self, accounting_client, sales, marketing):
        late = TaskFactory(assignee=sales, due_on=TODAY() - timedelta(days=2), title="Late one")
        TaskFactory(assignee=marketing, due_on=TODAY() + timedelta(days=9), title="Later one")
        url = reverse("activities:tasks")
        overdue = accounting_client.get(url, {"status": "overdue"})
        assert [t.pk for t in overdue.context["page_obj"]] == [late.pk]
        by_assignee = accounting_client.get(url, {"assignee": marketing.pk})
        assert [t.title for t in by_assignee.context["page_obj"]] == ["Later one"]
        newest_due = accounting_client.get(url, {"sort": "-due"})
        assert [t.title for t in newest_due.context["page_obj"]] == ["Later one", "Late one"]
        ranged = accounting_client.get(url, {"due_on_after": TODAY().isoformat()})
        assert [t.title for t in ranged.context["page_obj"]] == ["Later one"]
        csv = accounting_client.get(url, {"status": "any", "format": "csv"})
        body = b"".join(csv.streaming_content).decode("utf-8-sig")
        assert body.splitlines()[0].startswith('"Task","Partner","Assigned to","Due"')
        assert "Late one" in body and "Later one" in body
        # Accounting reads: no "New task" button, no Done buttons for others' tasks.
        page = accounting_client.get(url).content.decode()
        assert 'id="new-task"' not in page and f'id="task-done-{late.pk}"' not in page

    @pytest.mark.parametrize("rows", [1, 30])
    def test_lists_query_count_is_flat(self, rows, manager_client, manager, django_assert_num_queries):
        for _ in range(rows):
            TaskFactory(assignee=manager)
        # session, user, partner filter options, assignee filter options, the page's keys, its rows
        with django_assert_num_queries(6):
            assert manager_client.get(reverse("activities:tasks")).status_code == 200
        # My tasks: no assignee filter
        with django_assert_num_queries(5):
            assert manager_client.get(reverse("activities:tasks-mine")).status_code == 200

    def test_anonymous_is_sent_to_login(self, client):
        for name in ("activities:tasks", "activities:tasks-mine", "activities:task-create", "activities:people"):
            response = client.get(reverse(name))
            assert response.status_code == 302 and "/login" in response["Location"]

    def test_create_from_a_partner_page_presets_the_partner(self, manager_client, sales, django_capture_on_commit_callbacks):
        partner = PartnerFactory(name="Upbound")
        url = reverse("activities:task-create") + f"?partner={partner.slug}"
        form = manager_client.get(url).context["form"]
        assert form.initial.get("partner") == partner.pk or form.instance.partner_id == partner.pk
        with django_capture_on_commit_callbacks(execute=True):
            response = manager_client.post(
                url,
                {"title": "Send NDA", "partner": partner.pk, "assignee": sales.pk, "due_on": TODAY().isoformat(), "notes": ""},
            )
        assert response.status_code == 302
        task = Task.objects.get(title="Send NDA")
        assert (task.partner, task.assignee) == (partner, sales)
        assert [r for r, _ in notified("task_assigned")] == ["sales"]

    def test_wrong_role_is_403_and_bad_post_saves_nothing(self, accounting_client, outsider_client, manager_client):
        url = reverse("activities:task-create")
        assert accounting_client.get(url).status_code == 403
        assert outsider_client.post(url, {"title": "x"}).status_code == 403
        gone = UserFactory(is_active=False)
        partner = PartnerFactory()
        response = manager_client.post(
            url, {"title": "", "partner": partner.pk, "assignee": gone.pk, "due_on": "2200-01-01", "notes": ""}
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "title" in errors and "due_on" in errors
        assert "inactive or unknown" in errors["assignee"][0]
        assert not Task.objects.exists()

    def test_actions_are_post_only_and_checked(self, sales_client, marketing_client, sales):
        task = TaskFactory(assignee=sales)
        done_url = reverse("activities:task-done", args=[task.pk])
        assert sales_client.get(done_url).status_code == 405
        assert marketing_client.post(done_url).status_code == 403
        assert marketing_client.post(reverse("activities:task-reassign", args=[task.pk]), {"assignee": "1"}).status_code == 403
        assert marketing_client.post(reverse("activities:task", args=[task.pk]), {"title": "Hijack"}).status_code == 403
        assert Task.objects.get(pk=task.pk).done_at is None and Task.objects.get(pk=task.pk).title != "Hijack"
        response = sales_client.post(done_url, {"next": reverse("activities:tasks-mine")})
        assert response.status_code == 302 and response["Location"] == reverse("activities:tasks-mine")
        again = sales_client.post(done_url, follow=True)
        assert "already marked done by" in again.content.decode()

    def test_reassign_from_the_task_page(self, sales_client, sales, marketing, django_capture_on_commit_callbacks):
        task = TaskFactory(assignee=sales)
        page = sales_client.get(reverse("activities:task", args=[task.pk]))
        assert page.status_code == 200 and 'id="reassign"' in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            sales_client.post(reverse("activities:task-reassign", args=[task.pk]), {"assignee": marketing.pk})
        assert Task.objects.get(pk=task.pk).assignee == marketing
        gone = UserFactory(is_active=False)
        response = sales_client.post(reverse("activities:task-reassign", args=[task.pk]), {"assignee": gone.pk}, follow=True)
        assert response.status_code == 403 or "inactive or unknown" in response.content.decode()
        assert Task.objects.get(pk=task.pk).assignee == marketing

    def test_task_page_query_count_is_flat(self, manager_client, manager, django_assert_num_queries):
        task = TaskFactory(assignee=manager)
        # session, user, the task (joined), partner and assignee options (edit form), reassign options
        with django_assert_num_queries(6):
            assert manager_client.get(reverse("activities:task", args=[task.pk])).status_code == 200

    def test_people_suggestions(self, sales_client):
        for n in range(12):
            UserFactory(username=f"anna{n}", first_name="Anna", last_name=f"Muster{n}")
        UserFactory(username="annaold", first_name="Anna", is_active=False)
        data = sales_client.get(reverse("activities:people"), {"q": "ann"}).json()["people"]
        assert len(data) == 10
        assert all(p["name"].startswith("Anna Muster") for p in data)
        assert "annaold" not in {p["username"] for p in data}


class TestInboxCalendarReminders:
    def test_inbox_has_my_open_tasks_overdue_and_due_soon(self, sales):
        late = TaskFactory(assignee=sales, due_on=TODAY() - timedelta(days=1), title="Late")
        TaskFactory(assignee=sales, due_on=TODAY() + timedelta(days=3), title="Soon")
        TaskFactory(assignee=sales, due_on=TODAY() + timedelta(days=30), title="Far")
        TaskFactory(assignee=sales, due_on=TODAY(), title="Done", done_at=timezone.now(), done_by=sales)
        TaskFactory(due_on=TODAY(), title="Not mine")
        items = my_tasks(sales, TODAY())
        assert [i.title.split(": ")[1] for i in items] == ["Late", "Soon"]
        assert items[0].overdue and items[0].url == late.get_absolute_url()
        assert items[0].actions[0].post and items[0].actions[0].url == reverse("activities:task-done", args=[late.pk])

    def test_accounting_gets_mark_done_but_not_reassign(self, accounting):
        TaskFactory(assignee=accounting, due_on=TODAY())
        assert [a.label for a in my_tasks(accounting, TODAY())[0].actions] == ["Mark done"]

    def test_dashboard_shows_the_task(self, sales_client, sales):
        TaskFactory(assignee=sales, due_on=TODAY(), title="Visible in the inbox")
        response = sales_client.get(reverse("reporting:attention-panel", args=["my_tasks"]))
        assert "Visible in the inbox" in response.content.decode()

    def test_calendar_has_my_open_tasks(self, sales):
        task = TaskFactory(assignee=sales, due_on=TODAY() + timedelta(days=4))
        TaskFactory(assignee=sales, done_at=timezone.now(), done_by=sales)
        events = task_events(sales, TODAY())
        assert [(e.uid, e.day) for e in events] == [(f"task-{task.pk}-{task.due_on:%Y%m%d}@partnerhub", task.due_on)]

    def test_the_ics_feed_carries_my_tasks(self, sales, client):
        import icalendar

        from reporting.services import calendar_token_reset

        task = TaskFactory(assignee=sales, due_on=TODAY() + timedelta(days=2), title="Feed task")
        token = calendar_token_reset(user=sales).token
        response = client.get(reverse("reporting:calendar-feed", args=[token]))
        events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}
        event = events[f"task-{task.pk}-{task.due_on:%Y%m%d}@partnerhub"]
        assert "Feed task" in str(event["SUMMARY"]) and event.decoded("DTSTART") == task.due_on
        assert str(event["URL"]).endswith(task.get_absolute_url())

    def test_due_and_overdue_reminders_once_and_again_after_reassigning(self, sales, marketing, manager, mailoutbox):
        from partnerhub import reminders

        due = TaskFactory(assignee=sales, due_on=TODAY(), title="Due today")
        late = TaskFactory(assignee=sales, due_on=TODAY() - timedelta(days=1), title="Was yesterday")
        TaskFactory(assignee=sales, due_on=TODAY(), done_at=timezone.now(), done_by=sales)
        assert reminders.run_reminder("task_due", TODAY()) == 1
        assert reminders.run_reminder("task_overdue", TODAY()) == 1
        assert reminders.run_reminder("task_due", TODAY()) == 0
        assert reminders.run_reminder("task_overdue", TODAY()) == 0
        assert set(ReminderSent.objects.values_list("kind", "object_id")) == {("task_due", due.pk), ("task_overdue", late.pk)}
        services.task_reassign(task_id=late.pk, assignee=marketing, by=manager)
        assert reminders.run_reminder("task_overdue", TODAY()) == 1
        titles = notified("task_overdue")
        assert [r for r, _ in titles] == ["marketing", "sales"]
        assert "“Was yesterday” was due on" in titles[0][1]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_people_completing_at_once_one_wins(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks): run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres")
    from partnerhub.roles import Role

    manager = UserFactory(username="pm-race", roles=[Role.PARTNER_MANAGER])
    sales = UserFactory(username="sales-race", roles=[Role.SALES])
    task = TaskFactory(assignee=sales, created_by=manager)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def complete(user):
        def run():
            try:
                barrier.wait()
                services.task_complete(task_id=task.pk, by=user)
                outcomes.append("done")
            except ValidationError as error:
                outcomes.append(error.messages[0])
            finally:
                connection.close()

        return run

    run_at_once(complete(manager), complete(sales), timeout=60)
    assert sorted(outcomes)[0] == "done" and "already marked done by" in sorted(outcomes)[1]
    assert Task.objects.filter(pk=task.pk, done_at__isnull=False).count() == 1


def test_the_migration_makes_open_follow_ups_tasks_once(sales, manager):
    """activities/migrations/0012: open follow-ups become tasks of their author (else of the partner's
    manager); done ones, ones with a task already and ones nobody can own are left alone."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("activities.migrations.0012_follow_ups_become_tasks")
    mine = ActivityFactory(author=sales, follow_up_on=TODAY(), subject="Send offer")
    orphan = ActivityFactory(author=None, partner=PartnerFactory(manager=manager), follow_up_on=TODAY())
    ActivityFactory(author=None, partner=PartnerFactory(manager=None), follow_up_on=TODAY())  # nobody to own it
    ActivityFactory(author=sales, follow_up_on=TODAY(), follow_up_done=True)
    ActivityFactory(author=sales)  # no follow-up
    migration.follow_ups_to_tasks(apps, None)
    migration.follow_ups_to_tasks(apps, None)  # again: nothing twice
    tasks = {t.activity_id: t for t in Task.objects.all()}
    assert set(tasks) == {mine.pk, orphan.pk}
    assert (tasks[mine.pk].title, tasks[mine.pk].assignee, tasks[mine.pk].due_on) == ("Follow up: Send offer", sales, TODAY())
    assert tasks[orphan.pk].assignee == manager
