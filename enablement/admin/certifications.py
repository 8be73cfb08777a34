"""Admin for courses, certifications and reference implementations."""
