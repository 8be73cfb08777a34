"""The person certification rows' copies of the names the list shows and sorts by
(``PersonCertification.person_name``, ``certification_name`` and ``office_name``) follow a
person's, a certification's or an office's rename, and an office's removal.

Receivers rather than service calls: people and offices are edited in the kernel and the
partners app (profiles, the admin), which know nothing of enablement, and certifications both
through ``enablement.catalogue`` and in the admin. A rename rewrites only the rows whose copy
differs, in one statement.
"""

from django.conf import settings
from django.db.models.signals import post_save, pre_delete

from partners.models import Office
from prm.models import User

from .models import Certification, PersonCertification


def follow_person_name(sender, instance: User, created: bool, update_fields=None, **kwargs):
    # Most saves of a user (a sign-in's last_login) change neither name nor email.
    if created or (update_fields is not None and not {"full_name", "email"} & update_fields):
        return
    name = instance.get_full_name()
    PersonCertification.objects.filter(user=instance).exclude(person_name=name).update(
        person_name=name
    )


def follow_certification_name(sender, instance: Certification, created: bool, **kwargs) -> None:
    if created:
        return
    PersonCertification.objects.filter(certification=instance).exclude(
        certification_name=instance.name
    ).update(certification_name=instance.name)


def follow_office_name(sender, instance: Office, created: bool, **kwargs) -> None:
    if created:
        return
    PersonCertification.objects.filter(office=instance).exclude(office_name=instance.name).update(
        office_name=instance.name
    )


def forget_office_name(sender, instance: Office, **kwargs) -> None:
    # Before the delete: the rows still point at the office, which then sets them to none.
    PersonCertification.objects.filter(office=instance).update(office_name=None)


def connect() -> None:
    post_save.connect(
        follow_person_name, sender=settings.AUTH_USER_MODEL, dispatch_uid="enablement.person"
    )
    post_save.connect(
        follow_certification_name, sender=Certification, dispatch_uid="enablement.cert_name"
    )
    post_save.connect(follow_office_name, sender=Office, dispatch_uid="enablement.office_name")
    pre_delete.connect(forget_office_name, sender=Office, dispatch_uid="enablement.office_gone")
