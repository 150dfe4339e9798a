"""One Lambda function execution environment of the local stack (`python -m precis.local.lambda_runtime`).

- `environment`: the function's configuration, Lambda's context object, the handler imported by path.
- `events`: the events Lambda builds (S3, SNS, schedule) and the on-failure destination's record.
- `worker`: the event queue turned into handler invocations, with Lambda's retries and destinations.
"""

from precis.local.lambda_runtime.environment import FunctionConfig, LambdaContext, load_handler
from precis.local.lambda_runtime.events import failure_record, lambda_event, scheduled_event
from precis.local.lambda_runtime.worker import (
    MAX_VISIBILITY_SECONDS,
    READY,
    RETRY_DELAYS_SECONDS,
    FunctionWorker,
    HeldMessages,
)

__all__ = [
    "MAX_VISIBILITY_SECONDS",
    "READY",
    "RETRY_DELAYS_SECONDS",
    "FunctionConfig",
    "FunctionWorker",
    "HeldMessages",
    "LambdaContext",
    "failure_record",
    "lambda_event",
    "load_handler",
    "scheduled_event",
]
