"""Writes to deal registrations: one function per use case.

Every function takes the acting user, runs in a transaction, locks the registration it changes,
checks the allowed transitions in ``DealRegistration.TRANSITIONS``, writes an audit row and queues
notifications for after the commit. The portal, the REST API, the scheduled jobs, the CSV import
and the admin all call these, so a rule holds the same everywhere.

Who may do what:
- the partner side (users of the registration's partner, and admins of its distributor) creates,
  edits, submits, withdraws, records outcomes and asks for extensions;
- the partner's channel account manager, or program ops, decides (more information, approval,
  rejection, extensions). A partner user never decides, not even a partner admin on its own deal;
- outcomes may also come from the vendor side (the CAM, ops, or the CRM through an API key whose
  principal has the ops role).

Modules: ``registration`` (the lifecycle), ``decisions`` (more information, approval,
rejection), ``outcome`` (won or lost), ``bulk`` (many new registrations at once, for imports),
``protection`` (extensions, reminders, expiry), ``approval_sla`` (the reviewer's due times),
``fields`` (validation of registration fields), ``program_settings`` (the program-wide deal
rules).
"""

from .approval_sla import process_sla
from .decisions import approve_registration, reject_registration, request_more_info
from .fields import EDITABLE_FIELDS, clean_registration_fields
from .outcome import record_outcome
from .program_settings import update_program_settings
from .protection import (
    decide_extension,
    expire_registrations,
    request_extension,
    send_expiry_reminders,
)
from .registration import (
    create_registration,
    submit_registration,
    update_registration,
    withdraw_registration,
)

__all__ = [
    "EDITABLE_FIELDS",
    "approve_registration",
    "clean_registration_fields",
    "create_registration",
    "decide_extension",
    "expire_registrations",
    "process_sla",
    "record_outcome",
    "reject_registration",
    "request_extension",
    "request_more_info",
    "send_expiry_reminders",
    "submit_registration",
    "update_program_settings",
    "update_registration",
    "withdraw_registration",
]
