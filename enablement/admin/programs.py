"""Admin for onboarding, joint business plans, content and business cases."""
