"""A webhook receiver on loopback and endpoints for the personas of tests/conftest.py."""

import http.server
import json
import threading

import pytest

from prm.webhooks import services


class Receiver:
    """Records every request; answers each with the next status of ``statuses`` (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"received" if status < 300 else b"receiver is down")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver():
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture


@pytest.fixture
def endpoint_for(ops):
    """``endpoint_for(url, events, partner=None, actor=ops)``: a registered endpoint."""

    def make(url, event_types, *, partner=None, actor=None):
        return services.create_endpoint(
            actor=actor or ops, url=url, event_types=event_types, partner=partner
        )

    return make


@pytest.fixture
def key_client(ops):
    """``key_client(*scopes, partner=None)``: an API client authenticated by a new key."""
    from rest_framework.test import APIClient

    from partners.api_keys import issue_api_key

    def make(*scopes, partner=None):
        _key, plaintext = issue_api_key(
            name="Hooks", scopes=list(scopes), actor=ops, partner=partner
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        return client

    return make
