from celery import shared_task

from . import services


@shared_task(name="partners.tasks.expire_invitations", acks_late=True)
def expire_invitations() -> int:
    """Close invitations past their expiry date. Safe to run twice: closed ones are skipped."""
    return services.expire_invitations()
