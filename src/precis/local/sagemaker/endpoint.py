"""The local endpoint as one object: the runtime plus its HTTP server, started and stopped together."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precis.inference_script import InferenceScript
from precis.local.clock import ScaledClock
from precis.local.sagemaker.delivery import AsyncResults
from precis.local.sagemaker.endpoint_settings import EndpointSettings
from precis.local.sagemaker.journal import RequestJournal
from precis.local.sagemaker.runtime import EndpointRuntime
from precis.local.sagemaker.server import AsyncInvocationServer
from precis.scaling import EndpointCapacity, ScalingPolicy
from precis.template import Stack
from precis.template.scaling import endpoint_capacity, scaling_policy

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

READY = "precis-endpoint ready on "
"""What `python -m precis.local.sagemaker` prints, then its URL, once it serves (the stack waits for it)."""


class LocalEndpoint:
    """`with LocalEndpoint(...) as endpoint:` serves on endpoint.url until the block ends."""

    def __init__(
        self,
        settings: EndpointSettings,
        policy: ScalingPolicy,
        capacity: EndpointCapacity,
        script: InferenceScript,
        *,
        s3: S3Client,
        sns: SNSClient,
        cloudwatch: CloudWatchClient,
        port: int = 0,
        time_scale: float = 1.0,
        journal: RequestJournal | None = None,
        admin_secret: str | None = None,
    ) -> None:
        # What the admin API (/_precis/…) needs in its header (precis.local.gatekeeper).
        self.admin_secret = admin_secret or secrets.token_urlsafe(32)
        results = AsyncResults(settings, s3=s3, sns=sns, cloudwatch=cloudwatch)
        self.runtime = EndpointRuntime(
            policy,
            capacity,
            script,
            results,
            clock=ScaledClock(time_scale),
            journal=journal,
            initial_instances=settings.initial_instance_count,
        )
        self.server = AsyncInvocationServer(("127.0.0.1", port), settings, self.runtime, self.admin_secret)
        self._serving = threading.Thread(target=self.server.serve_forever, name="endpoint-http")

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> LocalEndpoint:
        self.runtime.start()
        self._serving.start()
        return self

    def close(self) -> None:
        if self._serving.is_alive():
            self.server.shutdown()
            self._serving.join()
        self.server.server_close()
        self.runtime.stop()
        self.runtime.journal.close()

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    @classmethod
    def from_stack(
        cls,
        stack: Stack,
        *,
        clients: dict[str, Any],
        inference_script: Path,
        model_dir: Path,
        instance_start_delay: float,
        port: int = 0,
        time_scale: float = 1.0,
        journal: RequestJournal | None = None,
        admin_secret: str | None = None,
    ) -> LocalEndpoint:
        return cls(
            EndpointSettings.from_stack(stack),
            scaling_policy(stack),
            endpoint_capacity(stack, instance_start_delay=instance_start_delay),
            InferenceScript(inference_script, model_dir),
            s3=clients["s3"],
            sns=clients["sns"],
            cloudwatch=clients["cloudwatch"],
            port=port,
            time_scale=time_scale,
            journal=journal,
            admin_secret=admin_secret,
        )
