"""Tier warnings sent to channel account managers before their copies had a kind of their own
become news, as those sent since are: they leave the manager's bell; the partner's keep theirs."""

import importlib

from django.apps import apps

from prm.models import Notification
from prm.notifications import unread_action_count
from scorecards.review.decisions import KIND_MANAGER_WARNING, KIND_WARNING
from tests.factories import UserFactory

migration = importlib.import_module("scorecards.migrations.0004_manager_tier_warnings_are_news")


def _warning(user, key):
    return Notification.objects.create(
        user=user, kind=KIND_WARNING, title="Below Gold", dedupe_key=key
    )


def test_the_managers_old_warnings_become_news_and_the_partners_stay_actions(db):
    cam = UserFactory(email="cam@vendor.example", internal_role="cam")
    admin = UserFactory(email="admin@partner.example")
    for_cam, for_admin = _warning(cam, "w1"), _warning(admin, "w1")
    assert (unread_action_count(cam), unread_action_count(admin)) == (1, 1)

    migration.managers_copies_are_news(apps, None)

    for_cam.refresh_from_db()
    for_admin.refresh_from_db()
    assert (for_cam.kind, for_admin.kind) == (KIND_MANAGER_WARNING, KIND_WARNING)
    assert (unread_action_count(cam), unread_action_count(admin)) == (0, 1)

    migration.managers_copies_are_warnings_again(apps, None)
    for_cam.refresh_from_db()
    assert for_cam.kind == KIND_WARNING
