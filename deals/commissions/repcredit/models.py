from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Region


class RepTerritory(models.Model):
    """The vendor's direct rep for customers in a country, or in a whole region. A country
    entry is more specific than its region's and wins."""

    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO country code."))],
    )
    region = models.CharField(_("region"), max_length=10, choices=Region.choices, blank=True)
    rep_name = models.CharField(_("rep name"), max_length=150)
    rep_email = models.EmailField(_("rep email"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("rep territory")
        verbose_name_plural = _("rep territories")
        ordering = ["region", "country", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(country="") | ~Q(region=""), name="territory_has_country_or_region"
            ),
            models.UniqueConstraint(
                fields=["country"], condition=~Q(country=""), name="uniq_territory_country"
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(country="") & ~Q(region=""),
                name="uniq_territory_region",
            ),
        ]

    def __str__(self):
        return f"{self.country or self.get_region_display()}: {self.rep_name}"
