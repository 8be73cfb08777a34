"""Commission models: the program's terms (``terms``) and the ledger (``ledger``)."""

from .ledger import (
    REVERSAL_REASON_LENGTH,
    CommissionLine,
    CommissionRun,
    Payout,
    Statement,
    StatementApproval,
)
from .terms import (
    CommissionOverride,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionRule,
    Spiff,
)

__all__ = [
    "REVERSAL_REASON_LENGTH", "CommissionLine", "CommissionOverride", "CommissionPlan",
    "CommissionPlanVersion", "CommissionRule", "CommissionRun", "Payout", "Spiff", "Statement",
    "StatementApproval",
]  # fmt: skip
