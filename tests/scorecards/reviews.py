"""Running a review in a test: started and run to the end at once, no worker."""

from scorecards.models import TierProposal
from scorecards.review import services


def review_now(quarter, actor, **kwargs):
    review = services.start_review(quarter=quarter.label, actor=actor, queue=False)
    return services.run_review(review.pk, **kwargs)


def proposal_of(review, partner):
    return TierProposal.objects.get(review=review, partner=partner)
