"""Onboarding checklists and joint business plans: ``services`` (writes) and ``selectors``
(reads)."""
