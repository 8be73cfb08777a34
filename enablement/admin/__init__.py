from . import certifications, programs  # noqa: F401
