from django.db import migrations

WARNING = "scorecards.tier_warning"
MANAGER_WARNING = "scorecards.partner_below_tier"


def managers_copies_are_news(apps, schema_editor):
    """The channel account managers' copies of tier warnings sent before they had a kind of
    their own: news, like those sent since, so that they leave the managers' bell count. The
    partners' admins keep theirs, the action of closing the gap."""
    Notification = apps.get_model("prm", "Notification")
    Notification.objects.filter(kind=WARNING).exclude(user__internal_role="").update(
        kind=MANAGER_WARNING
    )


def managers_copies_are_warnings_again(apps, schema_editor):
    Notification = apps.get_model("prm", "Notification")
    Notification.objects.filter(kind=MANAGER_WARNING).update(kind=WARNING)


class Migration(migrations.Migration):
    dependencies = [
        ("scorecards", "0003_proposal_applications"),
        ("prm", "0007_notification_unread_url"),
    ]

    operations = [
        migrations.RunPython(managers_copies_are_news, managers_copies_are_warnings_again),
    ]
