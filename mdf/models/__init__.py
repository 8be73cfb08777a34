"""Marketing development funds: program settings, funds and their ledger, the activity menu,
fund requests, claims with proof of performance, extensions and payments."""

from .funds import Fund, LedgerEntry
from .program import MdfSettings
from .requests import (
    ActivityType,
    Claim,
    ClaimExtension,
    FundRequest,
    MdfPayment,
    ProofFile,
    ProofKind,
)

__all__ = [
    "ActivityType",
    "Claim",
    "ClaimExtension",
    "Fund",
    "FundRequest",
    "LedgerEntry",
    "MdfPayment",
    "MdfSettings",
    "ProofFile",
    "ProofKind",
]
