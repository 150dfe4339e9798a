"""The real inference script (model/code/inference.py) with a fixed time per request.

A GPU model takes seconds per long article; the offline engine takes milliseconds on this CPU. Pacing
each request makes the endpoint's backlog, and so its scaling, depend on the policies under test and
not on how fast this machine happens to be. Summaries, errors and output are the real script's.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

from precis import paths

SECONDS_PER_REQUEST = 0.3

_spec = importlib.util.spec_from_file_location(
    "precis_paced_real_inference", paths.model_code_dir() / "inference.py"
)
_real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_real)

model_fn = _real.model_fn
input_fn = _real.input_fn
output_fn = _real.output_fn


def predict_fn(data: Any, model: Any, context: Any = None) -> Any:
    started = time.monotonic()
    prediction = _real.predict_fn(data, model)
    time.sleep(max(0.0, SECONDS_PER_REQUEST - (time.monotonic() - started)))
    return prediction
