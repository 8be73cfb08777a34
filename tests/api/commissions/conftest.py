"""The commission fixtures of the deal tests: a plan in force from 2025, its resale-margin rule,
fiscal quarters starting in January."""

from tests.deals.commissions.conftest import _fiscal_year, margin_rule, plan  # noqa: F401
