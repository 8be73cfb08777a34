"""Every sort a list page offers works, for every persona who can open the page.

The pages are found the way the list benchmark finds them (every URL without a path parameter
whose page has rows and a sort choice), so a new list or a new sort key is covered without being
named here. A sort key that names a field the model does not have fails only when chosen."""

import pytest
from django.core.paginator import Page

from bench.bench_lists import portal_paths

pytestmark = pytest.mark.django_db


def sortable_pages(client) -> list[tuple[str, list[str]]]:
    pages = []
    for path in portal_paths():
        response = client.get(path)
        if response.status_code != 200 or response.context is None:
            continue
        form = response.context.get("filter_form")
        if not isinstance(response.context.get("page_obj"), Page) or form is None:
            continue
        if "sort" in form.fields:
            pages.append((path, [value for value, _label in form.fields["sort"].choices if value]))
    return pages


@pytest.mark.parametrize("persona", ["ops", "cam", "distri_admin", "acme_admin"])
def test_each_offered_sort_answers_in_both_directions(client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))
    pages = sortable_pages(client)
    assert pages, "no sortable list found"
    failures = [
        f"{path}?sort={direction}{key}: {status}"
        for path, keys in pages
        for key in keys
        for direction in ("", "-")
        if (status := client.get(path, {"sort": f"{direction}{key.lstrip('-')}"}).status_code)
        != 200
    ]
    assert failures == []
