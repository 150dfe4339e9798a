"""The local endpoint answers only AWS clients, and its admin API (faults, status, journal) only the holder
of the stack's secret: what a web page can send to 127.0.0.1 is refused (precis.local.gatekeeper)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from precis.local.gatekeeper import ADMIN_SECRET_HEADER, admin_call

PAGE = "https://innocent-looking.example"


def answer(request: urllib.request.Request) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_fault_switch_needs_the_secret(start_endpoint):
    # Given a running endpoint, and the text/plain POST a web page can send it
    endpoint = start_endpoint()
    url = f"{endpoint.url}/_precis/faults"
    body = json.dumps({"refuse_invocations": True}).encode()
    page = {"Content-Type": "text/plain", "Origin": PAGE}

    # When it is posted without the secret, with a wrong one, and with the right one from a page
    refused = [
        answer(urllib.request.Request(url, data=body, headers=page, method="POST")),
        answer(urllib.request.Request(url, data=body, headers={ADMIN_SECRET_HEADER: "guess"}, method="POST")),
        answer(
            urllib.request.Request(
                url, data=body, headers={**page, ADMIN_SECRET_HEADER: endpoint.admin_secret}, method="POST"
            )
        ),
    ]

    # Then each is refused with AWS's 403 and the switch is unchanged; the secret's holder sets it
    assert [(status, headers["x-amzn-ErrorType"]) for status, headers, _ in refused] == [
        (403, "AccessDenied")
    ] * 3
    assert endpoint.runtime.faults.refuse_invocations is False
    assert admin_call(endpoint.url, "faults", endpoint.admin_secret, {"refuse_invocations": True}) == {
        "refuse_invocations": True,
        "drop_notifications": False,
        "journal_full": False,
    }


@pytest.mark.parametrize("path", ["status", "journal"])
def test_the_admin_reads_need_the_secret_too(start_endpoint, path):
    endpoint = start_endpoint()

    assert answer(urllib.request.Request(f"{endpoint.url}/_precis/{path}"))[0] == 403
    assert admin_call(endpoint.url, path, endpoint.admin_secret)


def test_an_unsigned_invocation_is_refused(start_endpoint, put_input, signed):
    # Given an input, and InvokeEndpointAsync as a page could post it (every header but a signature)
    endpoint = start_endpoint()
    location = put_input("inputs/page.json", {"text": "from a page"})
    url = f"{endpoint.url}/endpoints/precis-test/async-invocations"
    headers = {"X-Amzn-SageMaker-InputLocation": location}

    status, response_headers, body = answer(
        urllib.request.Request(url, data=b"", headers=headers, method="POST")
    )

    # Then it is refused as AWS refuses a request without credentials, and nothing was accepted
    assert status == 403 and response_headers["x-amzn-ErrorType"] == "MissingAuthenticationToken"
    assert "Signature Version 4" in json.loads(body)["message"]
    assert endpoint.runtime.status()["processed"] + endpoint.runtime.status()["backlog"] == 0
    # And the same request signed (any key) is accepted
    assert answer(signed(url, headers))[0] == 202


def test_a_preflight_and_a_rebound_host_are_refused(start_endpoint, signed):
    endpoint = start_endpoint()
    url = f"{endpoint.url}/endpoints/precis-test/async-invocations"
    preflight = urllib.request.Request(
        url, headers={"Origin": PAGE, "Access-Control-Request-Method": "POST"}, method="OPTIONS"
    )
    rebound = signed(url, {"X-Amzn-SageMaker-InputLocation": "s3://b/k"})
    rebound.add_header("Host", f"rebound.example:{endpoint.url.rsplit(':', 1)[1]}")

    status, headers, _ = answer(preflight)
    assert status == 403
    assert not any(name.lower().startswith("access-control-") for name in headers)
    assert answer(rebound)[0] == 403


def test_a_health_check_needs_no_signature(start_endpoint):
    # /ping carries no data: a liveness probe may call it unsigned (the endpoint answers what it serves)
    endpoint = start_endpoint()

    status, headers, _ = answer(urllib.request.Request(f"{endpoint.url}/ping"))

    assert headers.get("x-amzn-ErrorType") != "MissingAuthenticationToken" and status != 403
