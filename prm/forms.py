"""Form helpers shared by every app's portal views."""

from django import forms

from .exceptions import DomainError


def add_domain_errors(
    form: forms.Form, error: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: per field where it names fields (``aliases`` maps
    a service's name to the form's), else on top. Where the detail is a code rather than a
    sentence, the field shows the error's message."""
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    for name, detail in details.items():
        name = (aliases or {}).get(name, name)
        if name in form.fields and isinstance(detail, str):
            form.add_error(name, detail if " " in detail else error.message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def add_service_checks(form: forms.Form, check, values: dict) -> None:
    """Run a service's field checks (``check(values)``, raising a ``DomainError`` whose details
    name fields) on what the form accepted, and show each refusal beside its field unless the
    form already has one there: every problem shows on the first submit, not after a resubmit."""
    try:
        check(values)
    except DomainError as error:
        details = error.details if isinstance(error.details, dict) else {}
        for name, message in details.items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, str(message))
