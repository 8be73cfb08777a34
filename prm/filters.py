"""The notification list's filters: kind (among the kinds the user has) and read state."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .lists import Column, ListFilterSet, ListSpec, StableOrderingFilter
from .notifications import ACTION_KINDS, kind_label


class NotificationFilter(ListFilterSet):
    search_fields = ("title", "body")

    UNREAD, READ, ACTION = "unread", "read", "action"

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=[])
    state = django_filters.ChoiceFilter(
        label=_("Show"),
        method="filter_state",
        choices=[
            (UNREAD, _("Unread")),
            (READ, _("Read")),
            (ACTION, _("Unread, needs action")),
        ],
    )
    sort = StableOrderingFilter(fields=(("created_at", "when"),), default=("-created_at",))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = self.queryset.order_by().values_list("kind", flat=True).distinct()
        self.filters["kind"].extra["choices"] = sorted(
            ((kind, kind_label(kind)) for kind in kinds), key=lambda choice: choice[1]
        )

    def filter_state(self, queryset, name, value):
        if value == self.READ:
            return queryset.filter(read_at__isnull=False)
        unread = queryset.filter(read_at__isnull=True)
        return unread.filter(kind__in=ACTION_KINDS) if value == self.ACTION else unread


NOTIFICATION_LIST = ListSpec(
    filterset=NotificationFilter,
    columns=(
        Column(_("When"), lambda n: n.created_at, sort="when"),
        Column(_("Kind"), lambda n: kind_label(n.kind)),
        Column(_("What"), lambda n: n.title),
        Column(_("Details"), lambda n: n.body, html=False),
        Column(_("Read"), lambda n: n.read_at, html=False),
    ),
    filename="notifications",
)
