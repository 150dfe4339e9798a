"""Two requests at once on one instance of the local endpoint running the transformers engine.

MaxConcurrentInvocationsPerInstance > 1 makes an instance's invocations share its one summarizer, and a
fast tokenizer cannot be called from two threads at once; the summarizer takes its calls one at a time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from precis.local.sagemaker import EndpointSettings, InferenceScript, LocalEndpoint
from precis.paths import model_code_dir
from precis.scaling import EndpointCapacity, ScalingPolicy

pytest.importorskip("torch", reason="the ml extra (torch) is not installed")
pytest.importorskip("transformers", reason="the ml extra (transformers) is not installed")

pytestmark = pytest.mark.ml

BUCKET = "precis-concurrency"
REQUESTS = 20


@pytest.fixture
def s3_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _client(service: str, url: str):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_two_requests_at_once_on_one_instance_both_complete(
    s3_url, tiny_pegasus_dir, long_report, long_news, monkeypatch
):
    # Given one instance that runs two invocations at once, with the tiny PEGASUS packaged as its model
    monkeypatch.delenv("PRECIS_MODEL_ID", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    s3 = _client("s3", s3_url)
    s3.create_bucket(Bucket=BUCKET)
    articles = [long_report, long_news]
    for number, text in enumerate(articles):
        s3.put_object(Bucket=BUCKET, Key=f"in/{number}.json", Body=json.dumps({"inputs": text}).encode())
    endpoint = LocalEndpoint(
        EndpointSettings("precis-concurrency", f"s3://{BUCKET}/out/"),
        ScalingPolicy.always_on(1),
        EndpointCapacity(max_concurrent_invocations=2, instance_start_delay=0),
        InferenceScript(model_code_dir() / "inference.py", tiny_pegasus_dir),
        s3=s3,
        sns=_client("sns", s3_url),
        cloudwatch=_client("cloudwatch", s3_url),
    ).start()
    running: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.005):
            running.append(endpoint.runtime.status()["in_flight"])

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        # When requests for long articles arrive, more than the instance's two slots
        runtime = _client("sagemaker-runtime", endpoint.url)
        for number in range(REQUESTS):
            runtime.invoke_endpoint_async(
                EndpointName="precis-concurrency",
                InputLocation=f"s3://{BUCKET}/in/{number % len(articles)}.json",
                ContentType="application/json",
                InferenceId=f"request-{number}",
            )
        deadline = time.monotonic() + 120
        while (status := endpoint.runtime.status())["processed"] + status["failed"] < REQUESTS:
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
    finally:
        sampling.set()
        sampler.join()
        endpoint.close()

    # Then two ran at once, and every one completed with the transformers engine's summary
    assert max(running) == 2
    assert (status["processed"], status["failed"]) == (REQUESTS, 0), status
    for number in range(REQUESTS):
        output = json.loads(s3.get_object(Bucket=BUCKET, Key=f"out/request-{number}.out")["Body"].read())
        assert output["engine"] == "transformers" and output["chunks"] > 1
