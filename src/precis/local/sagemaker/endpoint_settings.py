"""What the local endpoint needs from the template: its name, variant, S3 paths, topics and the model
server's response timeout."""

from __future__ import annotations

from dataclasses import dataclass

from precis.template import Stack

MODEL_SERVER_TIMEOUT = "SAGEMAKER_MODEL_SERVER_TIMEOUT"


@dataclass(frozen=True)
class EndpointSettings:
    endpoint_name: str
    s3_output_path: str
    s3_failure_path: str | None = None
    success_topic: str | None = None
    error_topic: str | None = None
    variant_name: str = "AllTraffic"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    model_server_timeout: float | None = None  # the container's SAGEMAKER_MODEL_SERVER_TIMEOUT
    initial_instance_count: int = 1  # the variant's InitialInstanceCount: the instances it is created with

    @classmethod
    def from_stack(cls, stack: Stack) -> EndpointSettings:
        config = stack.resources["SummarizerEndpointConfig"].properties
        output = config["AsyncInferenceConfig"]["OutputConfig"]
        notification = output.get("NotificationConfig", {})
        variants = config.get("ProductionVariants") or [{}]
        container = stack.resources["SummarizerModel"].properties.get("PrimaryContainer", {})
        timeout = container.get("Environment", {}).get(MODEL_SERVER_TIMEOUT)
        return cls(
            endpoint_name=stack.outputs["EndpointName"],
            s3_output_path=output["S3OutputPath"],
            s3_failure_path=output.get("S3FailurePath"),
            success_topic=notification.get("SuccessTopic"),
            error_topic=notification.get("ErrorTopic"),
            variant_name=variants[0].get("VariantName", "AllTraffic"),
            initial_instance_count=int(variants[0].get("InitialInstanceCount", 1)),
            region=stack.region,
            account_id=stack.account_id,
            model_server_timeout=float(timeout) if timeout else None,
        )

    def output_location(
        self, inference_id: str, *, extension: str | None = None, filename: str | None = None
    ) -> str:
        return _join(self.s3_output_path, extension, filename or f"{inference_id}.out")

    def failure_location(self, inference_id: str, *, extension: str | None = None) -> str | None:
        if not self.s3_failure_path:
            return None
        return _join(self.s3_failure_path, extension, f"{inference_id}-error.out")


def _join(base: str, extension: str | None, name: str) -> str:
    parts = [base.rstrip("/")]
    if extension:
        parts.append(extension.strip("/"))
    parts.append(name)
    return "/".join(parts)
