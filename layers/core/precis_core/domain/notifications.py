"""SageMaker async inference notifications, as the endpoint publishes them to the SNS topics.

Success: `invocationStatus: "Completed"`, `responseParameters.outputLocation`, `inferenceId`.
Error: `invocationStatus: "Failed"`, `failureReason`, and a `failureLocation` only when the endpoint
config has an S3FailurePath (read at the top level or under `responseParameters`).
"""

from __future__ import annotations

import json
from typing import Any

from precis_core.domain.models import MalformedNotification, Notification

_SUCCEEDED = "Completed"
_FAILED = "Failed"


def parse_notification(message: str) -> Notification:
    """The `Sns.Message` string → Notification; MalformedNotification for anything else."""
    try:
        body = json.loads(message)
    except (TypeError, json.JSONDecodeError) as error:
        raise MalformedNotification(f"the SNS message is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise MalformedNotification("the SNS message is not a JSON object")
    status = body.get("invocationStatus")
    inference_id = body.get("inferenceId")
    if status not in (_SUCCEEDED, _FAILED) or not isinstance(inference_id, str) or not inference_id:
        raise MalformedNotification(
            "not a SageMaker async inference notification "
            f"(invocationStatus={status!r}, inferenceId={inference_id!r})"
        )
    request = _section(body, "requestParameters")
    response = _section(body, "responseParameters")
    if status == _SUCCEEDED:
        output_location = response.get("outputLocation")
        if not output_location:
            raise MalformedNotification(f"success notification for {inference_id} has no outputLocation")
        return Notification(
            inference_id=inference_id,
            succeeded=True,
            input_location=request.get("inputLocation"),
            output_location=output_location,
            event_time=body.get("eventTime"),
        )
    return Notification(
        inference_id=inference_id,
        succeeded=False,
        input_location=request.get("inputLocation"),
        failure_location=body.get("failureLocation") or response.get("failureLocation"),
        failure_reason=body.get("failureReason"),
        event_time=body.get("eventTime"),
    )


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    return value if isinstance(value, dict) else {}
