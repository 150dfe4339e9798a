"""`python -m precis.local.sagemaker` as the local stack runs it: from template.yaml, stopped by SIGTERM."""

from __future__ import annotations

import json
import signal

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
