"""Program settings kept as one row: the abstract base every ``...Settings`` model extends."""

from typing import Self

from django.db import models

SINGLETON_PK = 1


class SingletonSettings(models.Model):
    """One row (pk 1), created with the field defaults on first use.

    Read it with ``current()`` everywhere (services, views, jobs); program ops change it through
    the app's audited service.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A second row would silently be ignored by ``current()``: every save lands on pk 1.
        self.pk = SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> Self:
        obj, _created = cls._default_manager.get_or_create(pk=SINGLETON_PK)
        return obj
