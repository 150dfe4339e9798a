"""The local stack's one clock: `--time-scale` simulated seconds pass per real second, for every wait the
stack owns. Durations keep the template's and AWS's numbers (simulated seconds); this is where they turn
into the real seconds a process waits.

- the endpoint: alarm periods, cooldowns, instance starts, request TTLs, invocation timeouts and the model
  server's timeout (precis.local.sagemaker);
- the functions: Lambda's retry delays, maximum event age and schedules (precis.local.lambda_runtime), the
  event queues' visibility timeout (precis.local.wiring), and the durations a function waits out itself:
  every function gets PRECIS_TIME_SCALE, which ReconcileFunction applies to its age threshold, its expiry
  and its dispatch backoff (precis_core.domain.function_settings).
Work the stack does not simulate stays real: a handler runs at this machine's speed, so its Lambda timeout
bounds real seconds.
"""

from __future__ import annotations

import math
import time


class ScaledClock:
    """Simulated seconds since start: real time multiplied by `time_scale`."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        self.time_scale = time_scale
        self._start = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.time_scale

    def skip(self, real_seconds: float) -> None:
        """Leaves out `real_seconds` that just passed (a process that was stopped: its waits did not run,
        as a suspended machine's monotonic clock does not advance)."""
        self._start += real_seconds

    def real(self, simulated_seconds: float) -> float:
        """Real seconds that `simulated_seconds` take."""
        return simulated_seconds / self.time_scale

    def simulated(self, real_seconds: float) -> float:
        """Simulated seconds that pass in `real_seconds`."""
        return real_seconds * self.time_scale

    def whole_real_seconds(self, simulated_seconds: float, at_least: int = 0) -> int:
        """`real`, rounded up to whole seconds (what SQS and the template's variables take), at least
        `at_least`: a wait never ends before its simulated duration has passed."""
        return max(at_least, math.ceil(self.real(simulated_seconds)))
