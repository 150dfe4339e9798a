"""The real transformers path with no download: a tiny random-weight PEGASUS built and saved here.

Its 128-position window is far shorter than the article, so model_fn's summarizer must split the
article into sentence-aligned windows (map) and summarize the joined partial summaries (reduce).
"""

from __future__ import annotations

import json

import pytest
from precis_summarizer.deadline import Deadline, DeadlineExceeded
from precis_summarizer.engine import load_summarizer
from precis_summarizer.sentences import segment

pytest.importorskip("torch", reason="the ml extra (torch) is not installed")
transformers = pytest.importorskip("transformers", reason="the ml extra (transformers) is not installed")
pytest.importorskip("sentencepiece", reason="the ml extra (sentencepiece) is not installed")

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def tiny_pegasus(inference, tiny_pegasus_dir):
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PRECIS_MODEL_ID", raising=False)
        patch.setenv("HF_HUB_OFFLINE", "1")
        return inference.model_fn(str(tiny_pegasus_dir))


def test_model_fn_loads_the_packaged_model_with_its_window(tiny_pegasus, tiny_pegasus_dir):
    assert tiny_pegasus.engine == "transformers"
    assert tiny_pegasus.model_name == tiny_pegasus_dir.name
    positions = transformers.AutoConfig.from_pretrained(tiny_pegasus_dir).max_position_embeddings
    assert tiny_pegasus.window == positions - 1  # the end-of-sequence token takes one position
    assert tiny_pegasus.batch_size == 8  # PRECIS_MAP_BATCH_SIZE unset


def test_the_map_step_runs_windows_in_batches_of_the_container_setting(
    tiny_pegasus_dir, long_report, monkeypatch
):
    # Given the container variable asking for 3 windows per generate() call
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    summarizer = load_summarizer(tiny_pegasus_dir, environ={"PRECIS_MAP_BATCH_SIZE": "3"})
    batches: list[int] = []
    generate = summarizer._model.generate

    def recording(**inputs):
        batches.append(inputs["input_ids"].shape[0])
        return generate(**inputs)

    monkeypatch.setattr(summarizer._model, "generate", recording)

    # When a long article is summarized
    summary = summarizer.summarize(long_report)

    # Then its windows go through generate() three at a time
    assert summary.chunks > 3
    assert batches[: summary.chunks // 3] == [3] * (summary.chunks // 3)
    assert max(batches) == 3


def test_a_long_article_is_mapped_over_windows_and_reduced(inference, tiny_pegasus, long_report, monkeypatch):
    calls: list[list[str]] = []
    generate = tiny_pegasus._generate

    def recording(texts, *settings):
        calls.append(list(texts))
        return generate(texts, *settings)

    monkeypatch.setattr(tiny_pegasus, "_generate", recording)
    body = json.dumps({"inputs": long_report, "parameters": {"target_words": 5}})

    output = inference.output_fn(
        inference.predict_fn(inference.input_fn(body, "application/json"), tiny_pegasus), "application/json"
    )

    result = json.loads(output)
    assert result["engine"] == "transformers"
    assert result["chunks"] == len(calls[0]) > 1
    assert len(calls) >= 2, "the partial summaries were not summarized again"
    assert len(calls[-1]) < len(calls[0])
    assert result["words_in"] == len(long_report.split())
    assert result["words_out"] == len(result["summary"].split())
    every_window = [text for call in calls for text in call]
    assert max(tiny_pegasus._token_counts(every_window)) <= tiny_pegasus.window


def test_no_sentence_is_lost_when_windows_are_packed(tiny_pegasus, long_report):
    sentences = [s.text for s in segment(long_report)]

    windows = tiny_pegasus._windows(sentences)

    assert " ".join(windows).split() == " ".join(sentences).split()
    assert len(windows) > 1


def test_a_sentence_longer_than_the_window_is_split_not_cut(tiny_pegasus):
    run_on = " ".join(f"plot {n} yielded more grain and more carbon" for n in range(60))

    windows = tiny_pegasus._windows([run_on])

    assert len(windows) > 1
    assert max(tiny_pegasus._token_counts(windows)) <= tiny_pegasus.window
    assert "".join(" ".join(windows).split()) == "".join(run_on.split())


def test_a_list_request_gets_one_result_per_article(inference, tiny_pegasus, news):
    body = json.dumps({"inputs": [news, "One short sentence about tides."], "parameters": {"num_beams": 2}})

    results = inference.predict_fn(inference.input_fn(body, "application/json"), tiny_pegasus)

    assert [r["engine"] for r in results] == ["transformers", "transformers"]
    assert results[1]["chunks"] == 1


def test_max_length_beyond_half_the_window_is_refused(inference, tiny_pegasus, news):
    body = json.dumps({"inputs": news, "parameters": {"max_length": 100}})

    with pytest.raises(ValueError, match="over half of the model's 127-token window"):
        inference.predict_fn(inference.input_fn(body, "application/json"), tiny_pegasus)


def test_min_length_above_the_models_max_length_is_refused(inference, tiny_pegasus, news):
    body = json.dumps({"inputs": news, "parameters": {"min_length": 40}})

    with pytest.raises(ValueError, match="min_length 40 exceeds max_length 24"):
        inference.predict_fn(inference.input_fn(body, "application/json"), tiny_pegasus)


def test_model_id_variable_loads_that_model_when_nothing_is_packaged(tmp_path, tiny_pegasus_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    environ = {"PRECIS_MODEL_ID": str(tiny_pegasus_dir)}

    summarizer = load_summarizer(tmp_path, environ=environ)

    assert (summarizer.engine, summarizer.model_name) == ("transformers", str(tiny_pegasus_dir))


def test_empty_text_gives_an_empty_summary_without_calling_the_model(tiny_pegasus):
    summary = tiny_pegasus.summarize("  \n ")

    assert (summary.summary, summary.words_in, summary.chunks) == ("", 0, 0)


def test_a_request_past_its_deadline_stops_between_batches(tiny_pegasus, long_report, monkeypatch):
    # Given a long article (several batches of windows) whose time runs out after the first batch
    batches = []
    generate = tiny_pegasus._model.generate

    def counted(*args, **kwargs):
        batches.append(1)
        return generate(*args, **kwargs)

    monkeypatch.setattr(tiny_pegasus._model, "generate", counted)
    readings = iter([0.0, 0.0])  # when it is set, and at the first batch
    deadline = Deadline.after(30, clock=lambda: next(readings, 31.0))

    # When it is summarized, the engine stops before the second batch instead of running on
    with pytest.raises(DeadlineExceeded, match=r"summarizing window \d+ of \d+: .* past its 30 s timeout"):
        tiny_pegasus.summarize(long_report, deadline=deadline)
    assert len(batches) == 1
