"""`python -m precis.local.sagemaker` as the local stack runs it: from template.yaml, stopped by SIGTERM."""

from __future__ import annotations

import json
import signal
import time
import urllib.request

from precis.local.gatekeeper import admin_call


def test_module_serves_the_template_endpoint_and_exits_cleanly_on_sigterm(
    template_endpoint, runtime_client, notifications
):
    # Given moto holding the template's output bucket and topics, with a queue on the success topic
    bucket = template_endpoint.bucket
    template_endpoint.aws.client("s3").put_object(
        Bucket=bucket, Key="in/article.json", Body=b'{"text": "from the module"}'
    )

    # When the endpoint module starts
    endpoint = template_endpoint.start()
    try:
        # Then it accepts the real API for the template's endpoint name and completes the request
        response = runtime_client(endpoint).invoke_endpoint_async(
            EndpointName=template_endpoint.stack.outputs["EndpointName"],
            InputLocation=f"s3://{bucket}/in/article.json",
            ContentType="application/json",
            InferenceId="module-1",
        )
        assert response["OutputLocation"] == f"{template_endpoint.output_config['S3OutputPath']}module-1.out"
        [message] = notifications(template_endpoint.success_queue, 1, within=60)
        assert message["inferenceId"] == "module-1"
        # And the script sees the container's response timeout on the endpoint's clock (900 s / 600)
        output = template_endpoint.aws.client("s3").get_object(Bucket=bucket, Key="async-output/module-1.out")
        assert json.loads(output["Body"].read())["model_server_timeout"] == "1.5"
        assert admin_call(endpoint.url, "status", endpoint.admin_secret)["processed"] == 1
    finally:
        # And SIGTERM stops it with exit code 0
        endpoint.process.send_signal(signal.SIGTERM)
        assert endpoint.process.wait(timeout=30) == 0


def test_a_stopped_endpoint_fails_no_request_for_the_time_it_was_stopped(
    template_endpoint, runtime_client, notifications
):
    # Given the endpoint at 600x (its 900 s invocation timeout is 1.5 real seconds) running slow requests
    bucket = template_endpoint.bucket
    template_endpoint.aws.client("s3").put_object(
        Bucket=bucket, Key="in/slow-stop.json", Body=b'{"text": "slow", "sleep": 0.3}'
    )
    endpoint = template_endpoint.start()
    try:
        client = runtime_client(endpoint)
        ids = [f"stop-{number}" for number in range(6)]
        for inference_id in ids:
            client.invoke_endpoint_async(
                EndpointName=template_endpoint.stack.outputs["EndpointName"],
                InputLocation=f"s3://{bucket}/in/slow-stop.json",
                ContentType="application/json",
                InferenceId=inference_id,
            )
        with urllib.request.urlopen(f"{endpoint.url}/ping", timeout=5) as answer:
            assert answer.status == 200

        # When the process is stopped for 4 s (40 simulated minutes) and continued
        endpoint.process.send_signal(signal.SIGSTOP)
        time.sleep(4)
        endpoint.process.send_signal(signal.SIGCONT)

        # Then every request completes: the stopped time counted toward no timeout or TTL
        messages = notifications(template_endpoint.success_queue, len(ids), within=60)
        assert sorted(m["inferenceId"] for m in messages) == ids
        status = admin_call(endpoint.url, "status", endpoint.admin_secret)
        assert status["failed"] == 0 and status["processed"] == len(ids)
    finally:
        endpoint.process.send_signal(signal.SIGTERM)
        assert endpoint.process.wait(timeout=30) == 0
