"""What each persona's home page shows, gathered from every app's scoped selectors.

- partner users (rep, partner admin) and distributor admins: their open work, invitations,
  tier standing and resellers; a partner user never sees another partner's rows;
- channel account managers and program ops: the review queue in numbers, conflicts, extension
  requests, partners needing attention, program health and recent jobs.

Counts are single aggregate queries and lists are bounded slices, so a page costs the same
number of queries however many rows there are.
"""

from .ops import Figure, FigureGroup, JobRow, program_health, recent_jobs
from .partner import (
    PartnerHome,
    deals_needing_action,
    partner_admin_home,
    partner_home,
    resellers_overview,
    resellers_with_pipeline,
)
from .staff import (
    QueueSummary,
    cam_home,
    conflicts_to_resolve,
    open_conflicts,
    partners_needing_attention,
    queue_summary,
)

__all__ = [
    "Figure",
    "FigureGroup",
    "JobRow",
    "PartnerHome",
    "QueueSummary",
    "cam_home",
    "conflicts_to_resolve",
    "deals_needing_action",
    "open_conflicts",
    "partner_admin_home",
    "partner_home",
    "partners_needing_attention",
    "program_health",
    "queue_summary",
    "recent_jobs",
    "resellers_overview",
    "resellers_with_pipeline",
]
