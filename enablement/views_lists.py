"""Person certifications and certification imports as lists: sort, filter, search, pages and
CSV export through ``prm.lists``; rows from the selectors, which enforce tenancy."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from prm.lists import Listing

from . import selectors
from .filters import CERTIFICATION_IMPORT_LIST, CERTIFICATION_LIST


def _show(request, listing: Listing, template: str, **context):
    if listing.wants_export:
        return listing.export()
    return render(request, template, listing.context(**context))


@login_required
def certification_list(request):
    user = request.user
    listing = CERTIFICATION_LIST.run(request, selectors.person_certifications_visible_to(user))
    return _show(
        request,
        listing,
        "enablement/certification_list.html",
        team_view=selectors.sees_team(user),
    )


@login_required
def certification_import_list(request):
    if not request.user.is_program_ops:
        raise PermissionDenied
    listing = CERTIFICATION_IMPORT_LIST.run(request, selectors.certification_imports())
    return _show(request, listing, "enablement/certificationimport_list.html")
