"""How long one article keeps an instance's GPU busy, from its length, grounded in measurements.

Measured: a PEGASUS of google/pegasus-cnn_dailymail's size (570.8 M parameters, beam 8, max 128 tokens,
fp32, transformers 5.17) run through model/code/inference.py on one H200, every window decoded to max
length (so an upper bound). `H200_RUNS` holds those figures. The map-reduce of precis_summarizer.seq2seq
turns an article into generate() calls: ceil(windows / batch) for the map, then reduce rounds over the
partial summaries while they exceed the word budget. Each call decodes 128 steps; a step costs a fixed
host overhead plus the larger of reading the decoder's weights and computing every beam of every window
in the call, and each window costs one encoder pass. The host overhead is the one unknown: it is fitted
to the H200 runs. Other GPUs change only the memory and compute terms, from their datasheet figures, at
an assumed half of peak FP32 throughput: a model, not a measurement, for every GPU but the H200.

Two model-server workers sharing the H200 gave no more papers per minute than one (9.6 vs 8.3), so an
instance's GPU is shared by its concurrent invocations (the simulator runs them processor-shared).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from precis_summarizer.extractive import default_word_budget

# Words per 1,023-token window: 13.7k words made 20 windows (685), a 4.6k-word paper 6 (767).
WORDS_PER_WINDOW = 700
WINDOW_TOKENS = 1023
SUMMARY_TOKENS = 128  # max_length: every partial summary at its longest, as in the measurements
BEAMS = 8
NEWS_TARGET_WORDS = 100  # seq2seq's budget for news-length text
# PEGASUS-large's config (16 + 16 layers, d_model 1024, FFN 4096, vocabulary 96,103): parameters an
# encoder pass and a decoder step use. Weights are fp32 (4 bytes); a multiply-add is 2 FLOPs.
ENCODER_PARAMETERS = 201e6
DECODER_STEP_PARAMETERS = 367e6  # decoder layers and the (tied) output projection
BYTES_PER_PARAMETER = 4
ACHIEVED_FRACTION_OF_PEAK = 0.5  # an assumption, for the GPUs that were not measured


@dataclass(frozen=True)
class Gpu:
    """Datasheet figures: peak FP32 TFLOPS and memory bandwidth (GB/s)."""

    name: str
    fp32_tflops: float
    memory_gb_per_s: float


GPUS = {
    "H200": Gpu("H200", 67.0, 4800.0),
    "T4": Gpu("T4", 8.1, 320.0),
    "A10G": Gpu("A10G", 31.2, 600.0),
    "V100": Gpu("V100", 15.7, 900.0),
}
INSTANCE_GPUS = {
    "ml.g4dn.xlarge": "T4",
    "ml.g4dn.2xlarge": "T4",
    "ml.g5.xlarge": "A10G",
    "ml.g5.2xlarge": "A10G",
    "ml.p3.2xlarge": "V100",
}


@dataclass(frozen=True)
class H200Run:
    words: int
    windows: int
    map_batch: int
    seconds: float


# The figures. Ranges are paired end to end (the shorter text, the faster run); the paper at
# batch 8 took 3.0-4.1 s, kept at its upper end like every other figure here.
H200_RUNS = (
    H200Run(650, 1, 4, 2.1),
    H200Run(820, 2, 4, 4.1),
    H200Run(2_300, 4, 4, 3.4),
    H200Run(4_600, 6, 4, 6.4),
    H200Run(13_700, 20, 4, 13.8),
    H200Run(4_600, 6, 8, 4.1),
)


class ProcessingModelError(ValueError):
    """The instance type's GPU is not in the table, or an article length is not positive."""


def windows_for(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_WINDOW))


def generate_calls(words: int, map_batch: int, windows: int | None = None) -> list[int]:
    """Windows per generate() call for one article, map then reduce, as precis_summarizer.seq2seq runs."""
    windows = windows or windows_for(words)
    calls = _batched(windows, map_batch)
    target = default_word_budget(words) or NEWS_TARGET_WORDS
    summary_words = SUMMARY_TOKENS * WORDS_PER_WINDOW / WINDOW_TOKENS
    per_window = (WINDOW_TOKENS + 1) // (SUMMARY_TOKENS + 1)
    partials = windows
    while partials > 1 and partials * summary_words > target:
        partials = math.ceil(partials / per_window)
        calls += _batched(partials, map_batch)
    return calls


def _batched(windows: int, batch: int) -> list[int]:
    return [min(batch, windows - start) for start in range(0, windows, batch)]


def _step_work_seconds(gpu: Gpu, windows: int) -> float:
    """One decoder step of a call: the larger of reading the weights and computing every beam."""
    memory = DECODER_STEP_PARAMETERS * BYTES_PER_PARAMETER / (gpu.memory_gb_per_s * 1e9)
    compute = windows * BEAMS * 2 * DECODER_STEP_PARAMETERS / _flops(gpu)
    return max(memory, compute)


def _encoder_seconds(gpu: Gpu, windows: int) -> float:
    return windows * 2 * ENCODER_PARAMETERS * WINDOW_TOKENS / _flops(gpu)


def _flops(gpu: Gpu) -> float:
    return gpu.fp32_tflops * 1e12 * ACHIEVED_FRACTION_OF_PEAK


@cache
def host_seconds_per_step() -> float:
    """The per-step overhead that best fits the H200 runs (least squares over their generate calls)."""
    h200 = GPUS["H200"]
    numerator = denominator = 0.0
    for run in H200_RUNS:
        calls = generate_calls(run.words, run.map_batch, run.windows)
        known = sum(SUMMARY_TOKENS * _step_work_seconds(h200, w) + _encoder_seconds(h200, w) for w in calls)
        steps = SUMMARY_TOKENS * len(calls)
        numerator += steps * (run.seconds - known)
        denominator += steps * steps
    return numerator / denominator


def call_seconds(gpu: Gpu, windows: int) -> float:
    """One generate() call over `windows` windows, decoded to max length."""
    step = host_seconds_per_step() + _step_work_seconds(gpu, windows)
    return SUMMARY_TOKENS * step + _encoder_seconds(gpu, windows)


def article_seconds(words: int, gpu: Gpu, map_batch: int) -> float:
    if words < 1:
        raise ProcessingModelError("an article has at least one word")
    return sum(call_seconds(gpu, windows) for windows in generate_calls(words, map_batch))


def gpu_of(instance_type: str) -> Gpu:
    try:
        return GPUS[INSTANCE_GPUS[instance_type]]
    except KeyError:
        known = ", ".join(sorted(INSTANCE_GPUS))
        raise ProcessingModelError(
            f"no GPU figures for {instance_type}; use one of {known}, or give --processing-mean"
        ) from None


def processing_times(words: np.ndarray, instance_type: str, map_batch: int) -> np.ndarray:
    """Seconds of a dedicated GPU per article of the given lengths (one computation per distinct length)."""
    gpu = gpu_of(instance_type)
    lengths, inverse = np.unique(np.maximum(1, np.rint(words).astype(int)), return_inverse=True)
    seconds = np.array([article_seconds(int(n), gpu, map_batch) for n in lengths])
    return seconds[inverse]
