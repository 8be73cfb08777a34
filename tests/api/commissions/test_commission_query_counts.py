"""The commission API's new lists (runs, overrides, spiffs, rep territories) issue the same
number of queries whatever the number of rows."""

import pytest

from tests.deals.api_support import session
from tests.deals.commissions.test_ops_query_counts import (
    _runs,
    _spiffs,
    _territories,
    assert_queries_do_not_grow,
)


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/commission-runs/", _runs),
        ("/api/v1/commission-overrides/", None),
        ("/api/v1/commission-spiffs/", _spiffs),
        ("/api/v1/rep-territories/", _territories),
    ],
)
def test_lists_do_not_query_per_row(url, make, ops, margin_rule):
    assert_queries_do_not_grow(session(ops), url, make, ops, margin_rule)
