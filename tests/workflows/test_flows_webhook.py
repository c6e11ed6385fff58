"""A workflow's webhook: signed, with the chosen plain properties only; an endpoint that answers 500
or times out is tried again with backoff and then recorded as a failed step, never a crash."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.outbound import signature_v3
from tests.factories import make_record
from workflows.automation import engine
from workflows.automation.services import workflow_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint():
    """A local receiver; `answer` is the status it gives, `delay` how long it takes."""
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append((self.headers, body))
            time.sleep(server.delay)
            self.send_response(server.answer)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.answer, server.delay, server.calls = 200, 0, calls
    server.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _flow(actor, object_type, url):
    return workflow_create(
        actor=actor,
        object_type=object_type,
        data={
            "name": "Hook",
            "trigger": "record_created",
            "actions": [{"type": "webhook", "url": url, "properties": ["firstname"]}],
        },
    )


def test_the_webhook_is_signed_and_carries_the_chosen_plain_properties(tenant_a_admin, contacts_a, salary, endpoint):
    flow = _flow(tenant_a_admin, contacts_a, endpoint.url)
    record = make_record(tenant_a_admin, contacts_a, firstname="Hooked", annual_salary=55_555)
    ((headers, body),) = endpoint.calls
    assert json.loads(body) == {
        "workflowId": flow.number,
        "objectType": "contacts",
        "objectId": record.number,
        "properties": {"firstname": "Hooked"},
    }
    expected = signature_v3(
        secret=flow.webhook_secret,
        method="POST",
        url=endpoint.url,
        body=body,
        timestamp_ms=int(headers["X-HubSpot-Request-Timestamp"]),
    )
    assert headers["X-HubSpot-Signature-v3"] == expected
    step = flow.enrolments.get().steps.get()
    assert step.status == "done" and step.outcome == "The endpoint answered 200"


def test_an_endpoint_answering_500_is_retried_then_recorded_as_failed(tenant_a_admin, contacts_a, endpoint):
    endpoint.answer = 500
    flow = _flow(tenant_a_admin, contacts_a, endpoint.url)
    make_record(tenant_a_admin, contacts_a, firstname="Five")
    assert len(endpoint.calls) == engine.MAX_ATTEMPTS  # in-process a retry runs at once; a worker waits BACKOFF
    enrolment = flow.enrolments.get()
    step = enrolment.steps.get()
    assert (step.status, step.attempts, step.error) == ("failed", 5, "The endpoint answered 500.")
    assert enrolment.status == "failed" and enrolment.error == "Step 1 (webhook): The endpoint answered 500."


def test_an_endpoint_that_times_out_is_a_recorded_failure(tenant_a_admin, contacts_a, endpoint, settings, monkeypatch):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    endpoint.delay = 1
    monkeypatch.setattr(engine, "MAX_ATTEMPTS", 2)
    flow = _flow(tenant_a_admin, contacts_a, endpoint.url)
    make_record(tenant_a_admin, contacts_a, firstname="Slow")
    step = flow.enrolments.get().steps.get()
    assert step.status == "failed" and step.attempts == 2
    assert "did not answer in time" in step.error or "timed out" in step.error


def test_a_retry_waits_for_its_backoff(tenant_a_admin, contacts_a, endpoint, monkeypatch):
    from workflows.automation import tasks

    held = []
    queue = tasks.workflow_steps_task.apply_async

    def later(args=None, kwargs=None, countdown=None, **options):
        if countdown:  # held back: a worker would run it after the countdown
            return held.append((tuple(args), countdown))
        return queue(args, kwargs, **options)

    monkeypatch.setattr(tasks.workflow_steps_task, "apply_async", later)
    endpoint.answer = 503
    flow = _flow(tenant_a_admin, contacts_a, endpoint.url)
    make_record(tenant_a_admin, contacts_a, firstname="Backoff")
    step = flow.enrolments.get().steps.get()
    assert step.status == "retrying" and held == [(([flow.enrolments.get().pk], 0), engine.BACKOFF[0])]
