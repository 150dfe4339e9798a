"""InvokeEndpointAsync through a real boto3 client, with results in S3 and notifications through SNS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from precis.local.gatekeeper import admin_call

BUCKET = "precis-test-output"


def read_object(aws, uri: str) -> bytes:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def test_accepted_request_is_summarized_to_the_output_location_with_a_success_notification(
    aws, topics, start_endpoint, put_input, runtime_client, notifications
):
    # Given a running endpoint and an input object
    endpoint = start_endpoint()
    location = put_input("inputs/one.json", {"text": "hello"})

    # When a boto3 client invokes it asynchronously with an inference id
    response = runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test",
        InputLocation=location,
        ContentType="application/json",
        InferenceId="doc-1",
    )

    # Then the 202 answer parses into the id and both locations
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert response["InferenceId"] == "doc-1"
    assert response["OutputLocation"] == f"{topics.settings.s3_output_path}doc-1.out"
    assert response["FailureLocation"] == f"{topics.settings.s3_failure_path}doc-1-error.out"

    # And the success topic carries SageMaker's InferenceResult message
    [message] = notifications(topics.success_queue, 1)
    assert message["invocationStatus"] == "Completed"
    assert message["inferenceId"] == "doc-1"
    assert message["eventSource"] == "aws:sagemaker"
    assert message["eventName"] == "InferenceResult"
    assert message["eventVersion"] == "1.0"
    assert message["requestParameters"] == {
        "endpointName": "precis-test",
        "inputLocation": location,
        "contentType": "application/json",
    }
    assert message["responseParameters"]["outputLocation"] == response["OutputLocation"]
    assert message["eventTime"].endswith("Z") and message["receivedTime"].endswith("Z")

    # And the output object holds what output_fn returned
    assert json.loads(read_object(aws, response["OutputLocation"]))["echo"] == "hello"


def test_missing_inference_id_gets_a_generated_one(topics, start_endpoint, put_input, runtime_client):
    endpoint = start_endpoint()
    location = put_input("inputs/anonymous.json", {"text": "x"})

    response = runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=location
    )

    assert len(response["InferenceId"]) == 36
    assert response["OutputLocation"].endswith(f"/{response['InferenceId']}.out")


def test_missing_input_location_is_a_validation_error(start_endpoint, signed):
    # Given a request without X-Amzn-SageMaker-InputLocation (boto3 refuses to send one, so raw HTTP)
    endpoint = start_endpoint()
    request = signed(f"{endpoint.url}/endpoints/precis-test/async-invocations")

    # When it is posted
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)

    # Then the answer is AWS's 400 ValidationError
    assert caught.value.code == 400
    assert caught.value.headers["x-amzn-ErrorType"] == "ValidationError"
    assert "inputLocation" in json.loads(caught.value.read())["message"]


def test_unknown_endpoint_is_a_validation_error(start_endpoint, runtime_client):
    endpoint = start_endpoint()

    with pytest.raises(ClientError) as caught:
        runtime_client(endpoint).invoke_endpoint_async(EndpointName="nope", InputLocation="s3://b/k")

    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Endpoint nope of account 123456789012 not found." in str(caught.value)


def test_out_of_range_ttl_is_a_validation_error(start_endpoint, runtime_client):
    endpoint = start_endpoint()

    with pytest.raises(ClientError) as caught:
        runtime_client(endpoint).invoke_endpoint_async(
            EndpointName="precis-test", InputLocation="s3://b/k", RequestTTLSeconds=30000
        )

    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_an_inference_that_raises_fails_through_the_error_topic_with_a_failure_object(
    aws, topics, start_endpoint, put_input, runtime_client, notifications
):
    endpoint = start_endpoint()
    location = put_input("inputs/bad.json", {"raise": "the article is empty"})

    response = runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test",
        InputLocation=location,
        ContentType="application/json",
        InferenceId="bad-1",
    )

    [message] = notifications(topics.error_queue, 1)
    assert message["invocationStatus"] == "Failed"
    assert message["inferenceId"] == "bad-1"
    assert "the article is empty" in message["failureReason"]
    assert message["responseParameters"]["failureLocation"] == response["FailureLocation"]
    assert b"the article is empty" in read_object(aws, response["FailureLocation"])


def test_a_missing_input_object_fails_with_a_reason(topics, start_endpoint, runtime_client, notifications):
    endpoint = start_endpoint()

    runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=f"s3://{BUCKET}/inputs/absent.json", InferenceId="absent-1"
    )

    [message] = notifications(topics.error_queue, 1)
    assert message["inferenceId"] == "absent-1"
    assert "Failed to download data" in message["failureReason"]


def test_status_reports_the_endpoint_state(start_endpoint):
    endpoint = start_endpoint()

    status = admin_call(endpoint.url, "status", endpoint.admin_secret)

    assert {"instances", "in_service", "backlog", "in_flight", "processed", "failed"} <= status.keys()
    assert status["backlog"] == 0


def test_non_ascii_input_keys_are_read_as_sent(
    topics, start_endpoint, put_input, runtime_client, notifications
):
    endpoint = start_endpoint()
    location = put_input("inputs/Café reports/résumé 東京.json", {"text": "non-ascii"})

    runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test",
        InputLocation=location,
        ContentType="application/json",
        InferenceId="utf8-1",
    )

    [message] = notifications(topics.success_queue, 1)
    assert message["requestParameters"]["inputLocation"] == location


def test_a_model_that_fails_to_load_fails_each_request_with_the_reason(
    topics, start_endpoint, put_input, runtime_client, notifications
):
    endpoint = start_endpoint(script="broken_model.py")
    location = put_input("inputs/unloved.json", {"text": "x"})

    runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=location, InferenceId="unloved-1"
    )

    [message] = notifications(topics.error_queue, 1)
    assert message["inferenceId"] == "unloved-1"
    assert "model_fn raised FileNotFoundError" in message["failureReason"]


@pytest.mark.parametrize("key", ["inputs/tab\there.json", "inputs/what?#hash.json"])
def test_a_key_with_a_tab_or_url_characters_is_read_as_sent(
    topics, start_endpoint, put_input, runtime_client, notifications, key
):
    # Given an input whose key urlparse would change (it drops tabs, and splits at ? and #)
    endpoint = start_endpoint()
    location = put_input(key, {"text": "read as sent"})

    runtime_client(endpoint).invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=location, InferenceId="as-sent-1"
    )

    # Then that object is the one summarized
    [message] = notifications(topics.success_queue, 1)
    assert message["requestParameters"]["inputLocation"] == location


@pytest.mark.parametrize(
    "location",
    [
        "s3://precis-test-output/inputs/line\u2028separator.json",  # Java's `.` matches no line terminator
        "s3://precis-test-output/inputs/next\u0085line.json",
        "s3://precis-test-output/" + "\U0001f4f0" * 510,  # 1,044 UTF-16 code units in 534 characters
    ],
)
def test_an_input_location_sagemaker_refuses_is_a_validation_error(start_endpoint, runtime_client, location):
    endpoint = start_endpoint()

    with pytest.raises(ClientError) as caught:
        runtime_client(endpoint).invoke_endpoint_async(EndpointName="precis-test", InputLocation=location)

    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "inputLocation" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Filename", "../../incoming/planted.txt"),  # a path, not a file name
        ("Filename", "two.dots.out"),
        ("Filename", "x" * 33),
        ("S3OutputPathExtension", "s3://elsewhere"),
        ("S3OutputPathExtension", "spaces are not allowed"),
    ],
)
def test_an_output_name_sagemaker_refuses_is_a_validation_error(
    start_endpoint, runtime_client, header, value
):
    endpoint = start_endpoint()

    with pytest.raises(ClientError) as caught:
        runtime_client(endpoint).invoke_endpoint_async(
            EndpointName="precis-test", InputLocation="s3://precis-test-output/in.json", **{header: value}
        )

    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_a_repeated_inference_id_is_accepted_and_a_filename_names_the_output(
    topics, start_endpoint, put_input, runtime_client, notifications
):
    # Given two requests with one InferenceId, as SageMaker takes them (it documents no uniqueness)
    endpoint = start_endpoint()
    client = runtime_client(endpoint)
    first = put_input("inputs/first.json", {"text": "first"})
    second = put_input("inputs/second.json", {"text": "second"})

    named = client.invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=first, InferenceId="same-1", Filename="f0e1d2c3.out"
    )
    default = client.invoke_endpoint_async(
        EndpointName="precis-test", InputLocation=second, InferenceId="same-1"
    )

    # Then both are accepted: the one with a Filename writes there, the other where its id names
    assert named["OutputLocation"] == f"{topics.settings.s3_output_path}f0e1d2c3.out"
    assert default["OutputLocation"] == f"{topics.settings.s3_output_path}same-1.out"
    messages = notifications(topics.success_queue, 2)
    assert sorted(m["responseParameters"]["outputLocation"] for m in messages) == sorted(
        [named["OutputLocation"], default["OutputLocation"]]
    )
