"""Shared assertions for the API tests."""


def error_of(response) -> dict:
    """The one error shape of the API: {"error": {"code", "message", "details"}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
