"""Processing time from article length: the generate() calls seq2seq makes, timed from the H200 runs."""

from __future__ import annotations

import numpy as np
import pytest

from precis.simulation.processing import (
    GPUS,
    H200_RUNS,
    ProcessingModelError,
    article_seconds,
    call_seconds,
    generate_calls,
    processing_times,
)


@pytest.mark.parametrize(
    ("words", "batch", "windows", "calls"),
    [
        (650, 4, 1, [1]),  # one window: no reduce
        (820, 4, 2, [2, 1]),  # two partial summaries exceed news' 100 words: one reduce call
        (4_600, 4, 6, [4, 2, 1]),
        (4_600, 8, 6, [6, 1]),  # batch 8: one map call instead of two
        (13_700, 4, 20, [4, 4, 4, 4, 4, 3]),  # 20 partials pack into 3 windows, then fit the 400 words
    ],
)
def test_an_article_becomes_the_generate_calls_seq2seq_makes(words, batch, windows, calls):
    assert generate_calls(words, batch, windows) == calls


def test_the_model_reproduces_every_h200_run_within_a_second():
    h200 = GPUS["H200"]
    for run in H200_RUNS:
        modelled = sum(call_seconds(h200, w) for w in generate_calls(run.words, run.map_batch, run.windows))

        assert modelled == pytest.approx(run.seconds, abs=1.0), run


def test_batch_8_beats_batch_4_on_a_paper_and_longer_articles_never_take_less():
    t4 = GPUS["T4"]

    assert article_seconds(4_600, t4, 8) < article_seconds(4_600, t4, 4)
    lengths = range(100, 20_000, 250)
    seconds = [article_seconds(n, t4, 8) for n in lengths]
    assert seconds == sorted(seconds)


def test_slower_gpus_take_longer_for_the_same_article():
    times = {name: article_seconds(3_000, gpu, 8) for name, gpu in GPUS.items()}

    assert times["H200"] < times["A10G"] < times["T4"]


def test_processing_times_per_request_follow_the_instance_types_gpu():
    words = np.array([650, 3_000, 3_000, 13_700])

    t4 = processing_times(words, "ml.g4dn.xlarge", 8)

    assert t4[1] == t4[2]
    assert list(t4) == [article_seconds(int(n), GPUS["T4"], 8) for n in words]


def test_an_instance_type_without_gpu_figures_is_a_clear_error():
    with pytest.raises(ProcessingModelError, match="ml.c5.xlarge"):
        processing_times(np.array([1_000]), "ml.c5.xlarge", 8)
