"""Onboarding checklists, joint business plans, the content library and business cases."""
