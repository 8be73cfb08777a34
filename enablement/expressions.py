"""A small, safe arithmetic language for business-case formulas, evaluated over ``Decimal``.

Ops write formulas as data (``seats * price_per_seat * 12``), so they must never reach ``eval``.
An expression is parsed with ``ast`` and only these nodes are accepted:

- numbers (``12``, ``0.6``), names of inputs, assumptions and earlier formulas;
- ``+ - * /``, parentheses and unary minus/plus;
- calls to ``min(a, b, ...)``, ``max(a, b, ...)`` and ``round(x)`` / ``round(x, places)``.

Anything else (attribute access, subscripts, other calls, ``**``, comparisons, strings, lambdas)
is refused with an ``ExpressionError`` that says what and where. Arithmetic runs in a bounded
decimal context, so a runaway number overflows with a clear error instead of eating memory.
"""

import ast
from collections.abc import Iterable, Mapping
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import cast

from django.utils.translation import gettext as _

from prm.exceptions import DomainError

FUNCTIONS = frozenset({"min", "max", "round"})
MAX_EXPRESSION_LENGTH = 500
MAX_NODES = 200
MAX_ROUND_PLACES = 10
# 34 significant digits and a bounded exponent: enough for any business figure, small enough
# that no expression can build a number whose computation takes noticeable time.
_CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_UP,
    Emax=30,
    Emin=-30,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_REFUSED_SYMBOLS = {
    ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitXor: "^",
    ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>",
}  # fmt: skip


class ExpressionError(DomainError):
    """The formula is not valid."""

    code = "invalid_expression"
    status_code = 400


def _refuse(message: str, node: ast.AST | None = None) -> ExpressionError:
    column = getattr(node, "col_offset", None)
    if column is not None:
        message = _("%(message)s (at character %(column)s)") % {
            "message": message,
            "column": column + 1,
        }
    return ExpressionError(message)


def parse(expression: str) -> ast.Expression:
    """Parse and check an expression's shape; names are not resolved here."""
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError(_("The expression is empty."))
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            _("The expression is longer than %(n)s characters.") % {"n": MAX_EXPRESSION_LENGTH}
        )
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            _("The expression is not valid arithmetic: %(error)s.") % {"error": exc.msg}
        ) from exc
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(_("The expression is too deeply nested.")) from exc
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(_("The expression is too long; split it into several formulas."))
    for node in nodes:
        _check_node(node)
    return tree


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Expression | ast.Load):
        return
    if isinstance(node, ast.operator | ast.unaryop):
        return  # checked with their BinOp / UnaryOp
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _OPERATORS:
            symbol = _REFUSED_SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise _refuse(
                _("The operator %(op)s is not allowed; use + - * / only.") % {"op": symbol}, node
            )
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise _refuse(_("Only a leading minus or plus sign is allowed."), node)
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _refuse(_("Only numbers are allowed as constants."), node)
        return
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.Call):
        _check_call(node)
        return
    if isinstance(node, ast.Attribute):
        raise _refuse(_("Attribute access (a.b) is not allowed."), node)
    if isinstance(node, ast.Subscript):
        raise _refuse(_("Indexing (a[b]) is not allowed."), node)
    raise _refuse(
        _("This construct is not allowed in a formula: %(kind)s.") % {"kind": type(node).__name__},
        node,
    )


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise _refuse(_("Only the functions min, max and round may be called."), node)
    if node.keywords:
        raise _refuse(_("Functions take positional arguments only."), node)
    name, count = node.func.id, len(node.args)
    if name in {"min", "max"} and count < 2:
        raise _refuse(_("%(name)s() needs at least two arguments.") % {"name": name}, node)
    if name == "round":
        if count not in {1, 2}:
            raise _refuse(_("round() takes a value and optional decimal places."), node)
        if count == 2:
            places = node.args[1]
            if not (
                isinstance(places, ast.Constant)
                and isinstance(places.value, int)
                and not isinstance(places.value, bool)
                and 0 <= places.value <= MAX_ROUND_PLACES
            ):
                raise _refuse(
                    _("round()'s decimal places must be a whole number from 0 to %(n)s.")
                    % {"n": MAX_ROUND_PLACES},
                    node,
                )


def names_used(tree: ast.Expression) -> set[str]:
    """Names the expression reads, excluding the allowed function names."""
    called = {
        id(n.func)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def check(expression: str, *, known: Iterable[str]) -> ast.Expression:
    """Parse ``expression`` and make sure every name it reads is in ``known``."""
    tree = parse(expression)
    unknown = sorted(names_used(tree) - set(known))
    if unknown:
        raise ExpressionError(
            _("Unknown name(s): %(names)s. Use an input, an assumption or an earlier formula.")
            % {"names": ", ".join(unknown)},
            details={"unknown": unknown},
        )
    return tree


def evaluate(expression: str | ast.Expression, variables: Mapping[str, Decimal]) -> Decimal:
    """The value of ``expression`` with ``variables``; raises ``ExpressionError`` on any fault."""
    tree = expression if isinstance(expression, ast.Expression) else parse(expression)
    with localcontext(_CONTEXT):
        try:
            return +_eval(tree.body, variables)
        except DivisionByZero as exc:
            raise ExpressionError(_("Division by zero."), code="division_by_zero") from exc
        except Overflow as exc:
            raise ExpressionError(_("The result is too large."), code="overflow") from exc
        except InvalidOperation as exc:
            raise ExpressionError(_("The calculation is undefined (e.g. 0 / 0).")) from exc


def _eval(node: ast.AST, variables: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, ast.Constant):
        return _constant(node)
    if isinstance(node, ast.Name):
        if node.id not in variables:
            raise _refuse(_("Unknown name: %(name)s.") % {"name": node.id}, node)
        return Decimal(variables[node.id])
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, variables)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, variables), _eval(node.right, variables)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise DivisionByZero()
            return left / right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_eval(arg, variables) for arg in node.args]
        if node.func.id == "min":
            return min(args)
        if node.func.id == "max":
            return max(args)
        if node.func.id == "round":
            places = int(args[1]) if len(args) == 2 else 0
            return args[0].quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    # parse() refuses everything else; reaching here means an unchecked tree was passed in.
    raise _refuse(_("This construct is not allowed in a formula."), node)


def _constant(node: ast.Constant) -> Decimal:
    # repr() of a float literal is the shortest text that reads back as it, so "0.1" stays 0.1.
    # parse() admits int and float constants only.
    number = cast(int | float, node.value)
    value = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not value.is_finite():
        raise _refuse(_("The number is too large."), node)
    return +value
