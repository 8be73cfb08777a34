"""Ops' bulk approval of statements, where one refusal must not stop the others.

``statements.approve_statements`` stops at the first refusal; the portal approves what it can
and reports each refusal by statement. Each approval runs in its own transaction (through
``approve_statement``), so a refused statement leaves nothing half-written and the approved
ones stay approved.
"""

from dataclasses import dataclass, field

from prm.exceptions import DomainError
from prm.models import User

from .models import Statement
from .statements import approve_statement


@dataclass
class BulkApproval:
    approved: list[Statement] = field(default_factory=list)
    refused: list[tuple[Statement, str]] = field(default_factory=list)


def approve_each(*, statements, actor: User) -> BulkApproval:
    result = BulkApproval()
    for statement in sorted(statements, key=lambda s: s.pk):
        try:
            result.approved.append(approve_statement(statement=statement, actor=actor))
        except DomainError as exc:
            result.refused.append((statement, exc.message))
    return result
