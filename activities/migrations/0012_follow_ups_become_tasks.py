"""Issue 17: every open follow-up of an activity becomes a task of its author (else of the partner's
manager), due on the follow-up date and linked to the activity. Self-contained: no app code."""

from django.db import migrations


def follow_ups_to_tasks(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Task = apps.get_model("activities", "Task")
    open_follow_ups = (
        Activity.objects.filter(follow_up_on__isnull=False, follow_up_done=False, follow_up_task__isnull=True)
        .select_related("partner")
        .order_by("pk")
    )
    batch = []
    for activity in open_follow_ups.iterator(chunk_size=2000):
        assignee_id = activity.author_id or activity.partner.manager_id
        if assignee_id is None:
            continue  # nobody to own it: it stays a date on the activity
        batch.append(
            Task(
                title=f"Follow up: {activity.subject}"[:200],
                partner_id=activity.partner_id,
                assignee_id=assignee_id,
                due_on=activity.follow_up_on,
                activity_id=activity.pk,
                created_by_id=activity.author_id,
            )
        )
        if len(batch) >= 2000:
            Task.objects.bulk_create(batch)
            batch = []
    Task.objects.bulk_create(batch)


def tasks_back_to_follow_ups(apps, schema_editor):
    apps.get_model("activities", "Task").objects.filter(activity__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0011_tasks")]

    operations = [migrations.RunPython(follow_ups_to_tasks, tasks_back_to_follow_ups)]
