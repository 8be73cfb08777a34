"""A few objects of each kind for the schema fuzz run, so that generated ids sometimes hit."""

from deals.models import DealRegistration
from tests.deals.conflict_factories import RegistrationFactory


def fuzz_data_set(personas) -> None:
    acme_rep, globex_admin = personas["acme_rep"], personas["globex_admin"]
    for n in range(3):
        RegistrationFactory(
            partner=acme_rep.memberships.get().partner,
            registered_by=acme_rep,
            customer_name=f"Acme customer {n}",
        )
        RegistrationFactory(
            partner=globex_admin.memberships.get().partner,
            registered_by=globex_admin,
            customer_name=f"Globex customer {n}",
        )
    assert DealRegistration.objects.count() == 6
