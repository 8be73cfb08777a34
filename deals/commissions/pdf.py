"""The commission statement as a PDF, rendered with WeasyPrint from an HTML template: the same
totals, lines and payouts as the statement page, for a partner's finance team."""

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Statement
from .selectors import statement_lines, statement_payouts, statement_totals


def statement_html(statement: Statement) -> str:
    return render_to_string(
        "commissions/statement_document.html",
        {
            "statement": statement,
            "totals": statement_totals(statement),
            "lines": statement_lines(statement),
            "payouts": statement_payouts(statement),
            "generated_at": timezone.now(),
        },
    )


def statement_pdf(statement: Statement) -> bytes:
    from weasyprint import HTML

    return HTML(string=statement_html(statement)).write_pdf()


def statement_filename(statement: Statement, extension: str) -> str:
    name = f"commission-statement-{statement.period}-{statement.currency}-{statement.pk}"
    return f"{name}.{extension}"
