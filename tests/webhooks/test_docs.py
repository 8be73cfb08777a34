"""The receiver code in docs/api-webhooks.md accepts a real delivery's signature."""

import re
from pathlib import Path

from django.conf import settings

from prm.webhooks import publish, services, signing

GUIDE = Path(settings.BASE_DIR) / "docs" / "api-webhooks.md"


def headers(request) -> tuple[str, str]:
    return (
        request["headers"][signing.TIMESTAMP_HEADER],
        request["headers"][signing.SIGNATURE_HEADER],
    )


def documented_verify():
    text = GUIDE.read_text()
    (code,) = re.findall(r"## Verifying a signature \(Python\)\n\n```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    # The guide's code, exactly as published (our own file, not input).
    exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102
    return namespace["verify"]


def test_the_documented_receiver_verifies_a_delivery(
    receiver, endpoint_for, acme, ops, run_on_commit
):
    verify = documented_verify()
    endpoint = endpoint_for(receiver.url, ["partner.tier_changed"])
    with run_on_commit():
        publish("partner.tier_changed", acme, partner=acme)
    services.rotate_secret(endpoint=endpoint, actor=ops)
    endpoint.refresh_from_db()
    with run_on_commit():
        publish("partner.tier_changed", acme, partner=acme)
    first, second = receiver.requests
    assert verify(endpoint.previous_secret, first["body"], *headers(first))
    assert not verify(endpoint.secret, first["body"], *headers(first))
    # During the overlap both secrets verify the second delivery.
    assert verify(endpoint.secret, second["body"], *headers(second))
    assert verify(endpoint.previous_secret, second["body"], *headers(second))
    assert not verify(endpoint.secret, second["body"] + b" ", *headers(second))
    assert not verify("whsec_wrong", second["body"], *headers(second))


def test_the_readme_points_to_the_guide():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "docs/api-webhooks.md" in readme and "PRM-Webhook-Signature" in readme
