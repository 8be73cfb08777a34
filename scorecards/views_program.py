"""The tier review's policy, a page of the program configuration area (``/program/``)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from partners.program.selectors import history_for
from partners.program.views import form_page, ops_only

from .forms import TierReviewSettingsForm
from .models import TierReviewSettings
from .review import services


@ops_only
def review_settings(request):
    current = TierReviewSettings.current()
    form = TierReviewSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.update_review_settings(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Tier review policy saved; the next review applies it."))
        return redirect("program:review_settings")
    return form_page(
        request,
        form=form,
        title=_("Tier review policy"),
        intro=_(
            "How the quarterly tier review weighs each criterion and decides. Investment in "
            "training and certification weighs most by default, so a small, highly certified "
            "partner can reach a high tier; revenue is one criterion among several."
        ),
        history=history_for(current),
    )
