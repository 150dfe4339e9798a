"""An inference script whose behaviour the request controls: sleep, raise, and report its concurrency."""

import json
import os
import threading
import time
import uuid


def model_fn(model_dir):
    return {"instance": str(uuid.uuid4()), "lock": threading.Lock(), "running": 0, "model_dir": model_dir}


def input_fn(body, content_type):
    return json.loads(body)


def predict_fn(data, model):
    with model["lock"]:
        model["running"] += 1
        running = model["running"]
    try:
        time.sleep(float(data.get("sleep", 0)))
        if "raise" in data:
            raise ValueError(data["raise"])
        return {
            "echo": data.get("text", ""),
            "instance": model["instance"],
            "running": running,
            "model_server_timeout": os.environ.get("SAGEMAKER_MODEL_SERVER_TIMEOUT"),
        }
    finally:
        with model["lock"]:
            model["running"] -= 1


def output_fn(prediction, accept):
    return json.dumps(prediction)
