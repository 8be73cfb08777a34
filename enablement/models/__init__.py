"""Enablement models, split by concern: certifications and tier evidence in ``certifications``;
onboarding, joint business plans, content and business cases in ``programs``."""

from .certifications import *  # noqa: F403
from .programs import *  # noqa: F403
