"""Bulk actions in the API: a list of ids in, one row per id out, saying what happened.

The rows come from the same per-row runner as the portal's bulk views (``prm.lists.run_bulk``,
or a service built on it): each row runs the single action's service in a savepoint of its own,
so a refused row leaves nothing behind and does not stop the others. The answer is 200 whatever
the rows' outcomes; ``failed`` says how many were refused and each row why.
"""

from rest_framework import serializers
from rest_framework.response import Response

from prm.lists import BulkResult

MAX_BULK_IDS = 200  # as many as the portal's list pages let a person tick


def bulk_ids(help_text: str, *, max_length: int = MAX_BULK_IDS) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=max_length,
        help_text=help_text,
    )


def unique_ids(ids) -> list[int]:
    """The ids in the order given, each once (a repeated id is one row)."""
    return list(dict.fromkeys(ids))


class BulkActionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item", help_text="The id the row acted on.")
    ok = serializers.BooleanField(help_text="Whether the action was done.")
    label = serializers.CharField(help_text="The row as a person would recognise it.")
    message = serializers.CharField(help_text="What was done, or why the row was refused.")


class BulkActionResultSerializer(serializers.Serializer):
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkActionRowSerializer(many=True)


def bulk_response(result: BulkResult) -> Response:
    body = {
        "succeeded": len(result.succeeded),
        "failed": len(result.failed),
        "results": result.rows,
    }
    return Response(BulkActionResultSerializer(body).data)
