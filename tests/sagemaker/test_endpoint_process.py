"""`python -m precis.local.sagemaker` as the local stack runs it: from template.yaml, stopped by SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3

from precis.template import load_stack

SCRIPT = Path(__file__).parent / "scripts" / "controlled.py"


def test_module_serves_the_template_endpoint_and_exits_cleanly_on_sigterm(aws, notifications):
    # Given moto holding the template's output bucket and topics, with a queue on the success topic
    stack = load_stack()
    config = stack.resources["SummarizerEndpointConfig"].properties["AsyncInferenceConfig"]["OutputConfig"]
    output_bucket = config["S3OutputPath"].removeprefix("s3://").split("/", 1)[0]
    aws.client("s3").create_bucket(Bucket=output_bucket)
    aws.client("s3").put_object(
        Bucket=output_bucket, Key="in/article.json", Body=b'{"text": "from the module"}'
    )
    sns, sqs = aws.client("sns"), aws.client("sqs")
    for topic in ("SuccessTopic", "ErrorTopic"):
        sns.create_topic(Name=config["NotificationConfig"][topic].rsplit(":", 1)[1])
    queue = sqs.create_queue(QueueName="module-success")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=config["NotificationConfig"]["SuccessTopic"], Protocol="sqs", Endpoint=queue_arn)

    # When the endpoint module starts
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "precis.local.sagemaker",
            "--port",
            "0",
            "--aws-endpoint-url",
            aws.url,
            "--inference-script",
            str(SCRIPT),
            "--time-scale",
            "600",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = process.stdout.readline().strip()
        assert ready.startswith("precis-endpoint ready on http://127.0.0.1:"), process.stderr.read()
        url = ready.rsplit(" ", 1)[1]

        # Then it accepts the real API for the template's endpoint name and completes the request
        client = boto3.client(
            "sagemaker-runtime",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        response = client.invoke_endpoint_async(
            EndpointName=stack.outputs["EndpointName"],
            InputLocation=f"s3://{output_bucket}/in/article.json",
            ContentType="application/json",
            InferenceId="module-1",
        )
        assert response["OutputLocation"] == f"{config['S3OutputPath']}module-1.out"
        [message] = notifications(queue, 1, within=60)
        assert message["inferenceId"] == "module-1"
        with urllib.request.urlopen(f"{url}/_precis/status") as answer:
            assert json.loads(answer.read())["processed"] == 1
    finally:
        # And SIGTERM stops it with exit code 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
