"""Shared assertions for the API tests."""

from rest_framework import serializers


def error_of(response) -> dict:
    """The one error shape of the API: {"error": {"code", "message", "details"}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def drf_answer(serializer, instance) -> dict:
    """DRF's own answer for ``instance``, nested serializers included, without the mixin."""
    answer = {}
    for field in serializer._readable_fields:
        attribute = field.get_attribute(instance)
        if attribute is None:
            answer[field.field_name] = None
        elif isinstance(field, serializers.BaseSerializer):
            answer[field.field_name] = drf_answer(field, attribute)
        else:
            answer[field.field_name] = field.to_representation(attribute)
    return answer
