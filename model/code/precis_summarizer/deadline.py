"""How long one request may work: past its deadline the engines stop between steps instead of running on.

SageMaker gives the container no per-request timeout, only the model server's response timeout
(SAGEMAKER_MODEL_SERVER_TIMEOUT, which the template sets to InvocationTimeoutSeconds). An async
request that runs past it is reported failed while its thread would keep the instance busy, so the
engines check the deadline between windows, batches and stages and give the slot back.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

TIMEOUT_VARIABLE = "SAGEMAKER_MODEL_SERVER_TIMEOUT"


class DeadlineExceeded(RuntimeError):
    """The request ran past its time; raised between steps, so the work really stops."""


@dataclass(frozen=True)
class Deadline:
    seconds: float
    expires_at: float  # on `clock`
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(seconds, clock() + seconds, clock)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Deadline:
        """A deadline the container's response timeout from now; none if it is unset or not a number."""
        try:
            seconds = float(environ.get(TIMEOUT_VARIABLE, ""))
        except ValueError:
            return NO_DEADLINE
        return cls.after(seconds) if seconds > 0 else NO_DEADLINE

    def check(self, doing: str) -> None:
        """DeadlineExceeded, naming what was being done, once the time is up."""
        if self.clock() >= self.expires_at:
            raise DeadlineExceeded(
                f"stopped while {doing}: the request ran past its {self.seconds:g} s timeout "
                f"({TIMEOUT_VARIABLE}); send a shorter article or fewer inputs"
            )


NO_DEADLINE = Deadline(math.inf, math.inf)
