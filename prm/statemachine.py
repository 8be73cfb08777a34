"""Allowed status changes as data, checked in one place (see ``StatusMachineMixin.move_to``)."""

from django.db import models

from .exceptions import InvalidTransition


class StatusMachineMixin(models.Model):
    """A model with a ``status`` field and a ``TRANSITIONS`` table {from: {to, ...}}."""

    TRANSITIONS: dict[str, set[str]] = {}
    # The concrete model's own ``status`` field.
    status: str

    class Meta:
        abstract = True

    def can_move_to(self, target: str) -> bool:
        return target in self.TRANSITIONS.get(self.status, set())

    def move_to(self, target: str) -> str:
        """Set the new status or raise ``InvalidTransition``; returns the previous status."""
        if not self.can_move_to(target):
            raise InvalidTransition(str(self._meta.verbose_name).capitalize(), self.status, target)
        previous = self.status
        self.status = target
        return previous

    @classmethod
    def allowed_targets(cls, status: str) -> set[str]:
        return cls.TRANSITIONS.get(status, set())
