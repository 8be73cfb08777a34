"""Courses, certifications, person certifications, reference implementations."""
