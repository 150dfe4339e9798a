"""The offline engine on short, long, one-sentence, empty and non-English text, and how model_fn picks it."""

from __future__ import annotations

import pytest
from precis_summarizer.engine import ModelSettingError, load_summarizer
from precis_summarizer.extractive import (
    NEWS_SENTENCES,
    ExtractiveSummarizer,
    SentenceEncoder,
    reads_like_news,
)
from precis_summarizer.request import Parameters
from precis_summarizer.sentences import segment, split_sentences
from precis_summarizer.seq2seq import ModelLoadError


def _sentences_of(text: str) -> list[str]:
    return [s.text for s in segment(text)]


def test_news_gets_three_sentences_of_the_article_in_their_order(offline_model, news):
    summary = offline_model.summarize(news)

    picked = split_sentences(summary.summary)
    article = _sentences_of(news)
    assert len(picked) == NEWS_SENTENCES
    assert all(sentence in article for sentence in picked)
    assert [article.index(s) for s in picked] == sorted(article.index(s) for s in picked)
    assert summary.engine == "extractive"
    assert summary.words_in == len(news.split())
    assert summary.words_out == len(summary.summary.split())
    assert summary.chunks == 1


def _body(text: str) -> list[str]:
    return [s.text for s in segment(text) if not s.heading]


def _with_line(news: str, after: int, line: str) -> str:
    """The story with one more line after its first `after` sentences."""
    title, story = news.split("\n\n", 1)
    lines = story.splitlines()
    return f"{title}\n\n" + "\n".join([*lines[:after], line, *lines[after:]])


def test_a_news_summary_is_the_opening_when_no_later_sentence_is_clearly_more_central(offline_model, news):
    summary = offline_model.summarize(news)

    assert split_sentences(summary.summary) == _body(news)[:NEWS_SENTENCES]


def test_a_caption_that_repeats_the_opening_sentence_is_not_picked_again(offline_model, news):
    lede = _body(news)[0]

    summary = offline_model.summarize(_with_line(news, 2, lede))

    assert summary.summary.count(lede) == 1
    assert len(split_sentences(summary.summary)) == NEWS_SENTENCES


@pytest.mark.parametrize("short", ["Scroll down for video.", "The mayor was delighted."])
def test_a_sentence_of_under_six_words_is_not_picked_while_longer_ones_are_left(offline_model, news, short):
    summary = offline_model.summarize(_with_line(news, 1, short))

    assert short not in summary.summary
    assert len(split_sentences(summary.summary)) == NEWS_SENTENCES


def test_in_news_a_run_on_sentence_gives_way_to_ones_of_ordinary_length(offline_model, news):
    run_on = (
        "The turbines were lowered from a barge in March and the photographs show the engineers, the "
        "harbour master and the mayor on the deck as the last of the four turbines went down, a day the town "
        "had waited six years for, with the tide running out and a crowd of residents watching from the "
        "harbour wall."
    )

    summary = offline_model.summarize(_with_line(news, 2, run_on))

    assert run_on not in summary.summary
    assert len(split_sentences(summary.summary)) == NEWS_SENTENCES


def test_the_title_is_never_picked(offline_model, news):
    summary = offline_model.summarize(news)

    assert "Harbour town switches on its tidal power station" not in summary.summary


def test_a_long_report_gets_a_longer_summary_without_headings(offline_model, long_report, news):
    report = offline_model.summarize(long_report)

    assert report.words_in > 2000
    assert report.words_out > offline_model.summarize(news).words_out
    assert len(split_sentences(report.summary)) > NEWS_SENTENCES
    for heading in ("BACKGROUND", "RESULTS", "CONCLUSIONS"):
        assert heading not in report.summary


def test_a_long_story_that_quotes_people_is_summarized_as_news(offline_model, long_news, long_report):
    story = offline_model.summarize(long_news)

    assert story.words_in > 1200
    assert reads_like_news(segment(long_news), story.words_in)
    assert not reads_like_news(segment(long_report), len(long_report.split()))
    assert len(split_sentences(story.summary)) == NEWS_SENTENCES
    assert story.words_out < offline_model.summarize(long_report).words_out


def test_a_section_its_heading_calls_a_summary_is_preferred(offline_model, long_report):
    finding = "Compost raised yields by a fifth in every crop we tried, at the lowest cost per hectare."
    report = long_report.replace("RESULTS", f"KEY FINDINGS\n\n{finding}\n\nRESULTS", 1)
    control = long_report.replace("RESULTS", f"APPENDIX\n\n{finding}\n\nRESULTS", 1)

    assert finding in offline_model.summarize(report).summary
    assert finding not in offline_model.summarize(control).summary


def test_labels_table_cells_and_lead_ins_are_never_picked(offline_model, news):
    title, story = news.split("\n\n", 1)
    extras = "Key figures:\n- turbines: 4\n- homes supplied: 3,400\n\nCost per home (estimate)"
    text = "\n\n".join([title, extras, story])

    summary = offline_model.summarize(text, Parameters(sentences=8)).summary

    for fragment in ("Key figures", "turbines: 4", "homes supplied", "Cost per home"):
        assert fragment not in summary


def test_a_line_without_closing_punctuation_ends_with_a_full_stop(offline_model):
    text = (
        "Harbour board says the town's tidal turbines beat their forecast in the first year\n\n"
        "The station supplied a third of the town's electricity. Output peaked in March."
    )

    summary = offline_model.summarize(text, Parameters(sentences=3)).summary

    assert summary.startswith(
        "Harbour board says the town's tidal turbines beat their forecast in the first year. "
    )


def test_one_sentence_is_its_own_summary(offline_model):
    sentence = "The committee approved the new budget on Monday after a short debate."

    summary = offline_model.summarize(sentence)

    assert summary.summary == sentence
    assert summary.words_out == summary.words_in == 12


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_text_gives_an_empty_summary(offline_model, text):
    summary = offline_model.summarize(text)

    assert (summary.summary, summary.words_in, summary.words_out, summary.chunks) == ("", 0, 0, 0)


def test_german_text_is_summarized_from_its_own_sentences(offline_model):
    german = (
        "Die Stadtbibliothek öffnet im Mai nach zwei Jahren Umbau wieder ihre Türen. "
        "Das Gebäude hat jetzt ein Lesecafé, einen Raum für Kinder und doppelt so viele Arbeitsplätze. "
        "Die Kosten lagen mit 12,4 Mio. Euro etwas unter der ursprünglichen Schätzung. "
        "Bürgermeisterin Weber sagte, die Bibliothek sei das Wohnzimmer der Stadt. "
        "Ab Juni sollen die Öffnungszeiten auch auf den Sonntag ausgeweitet werden."
    )

    picked = split_sentences(offline_model.summarize(german).summary)

    assert len(picked) == NEWS_SENTENCES
    assert all(sentence in german for sentence in picked)


def test_japanese_text_without_spaces_is_summarized(offline_model):
    japanese = (
        "市立図書館は二年間の改修を終えて五月に再開する。"
        "新しい建物には読書カフェがある。"
        "市長は図書館を町の居間と呼んだ。"
    )

    summary = offline_model.summarize(japanese)

    assert summary.summary
    assert summary.summary in japanese


def test_sentences_parameter_fixes_the_count(offline_model, news):
    summary = offline_model.summarize(news, Parameters(sentences=2))

    assert len(split_sentences(summary.summary)) == 2


def test_max_length_caps_the_words(offline_model, long_report):
    summary = offline_model.summarize(long_report, Parameters(max_length=40))

    assert 0 < summary.words_out <= 40


def test_target_words_is_the_length_budget(offline_model, long_report):
    short = offline_model.summarize(long_report, Parameters(target_words=60))
    longer = offline_model.summarize(long_report, Parameters(target_words=300))

    assert short.words_out <= 60 < longer.words_out <= 300


def test_min_length_asks_for_more_sentences(offline_model, news):
    summary = offline_model.summarize(news, Parameters(sentences=1, min_length=40))

    assert summary.words_out >= 40


def test_a_budget_smaller_than_any_sentence_cuts_the_best_one_visibly(offline_model):
    text = "Four large turbines now turn with every tide in the estuary. The mayor smiled."

    summary = offline_model.summarize(text, Parameters(max_length=2, sentences=1))

    assert summary.summary.endswith("…")
    assert summary.words_out <= 3


def test_segmenter_handles_abbreviations_decimals_and_quotes():
    text = 'Dr. Okafor paid $3.50 for it. He said "I agree." Prices rose 2.5 percent in the U.S. last year.'

    assert split_sentences(text) == [
        "Dr. Okafor paid $3.50 for it.",
        'He said "I agree."',
        "Prices rose 2.5 percent in the U.S. last year.",
    ]


def test_segmenter_splits_sentences_whose_space_was_lost():
    glued = "The race was won.Dr Venter said so."

    assert split_sentences(glued) == ["The race was won.", "Dr Venter said so."]


def test_list_items_are_units_of_their_own_without_their_markers():
    document = segment(
        "Orders rose:\n- 12% in Norway\n* 9% in Sweden, slower than in 2025\n2) Denmark fell. It recovered."
    )

    assert [s.text for s in document] == [
        "Orders rose:",
        "12% in Norway",
        "9% in Sweden, slower than in 2025",
        "Denmark fell.",
        "It recovered.",
    ]


def test_headings_are_flagged_not_glued_to_the_next_sentence():
    document = segment("RESULTS\nyields rose in every plot. carbon rose too.\n\nCONCLUSIONS\nuse compost.")

    assert [(s.text, s.heading) for s in document] == [
        ("RESULTS", True),
        ("yields rose in every plot.", False),
        ("carbon rose too.", False),
        ("CONCLUSIONS", True),
        ("use compost.", False),
    ]


def test_model_fn_without_weights_or_model_id_is_the_offline_engine(tmp_path):
    summarizer = load_summarizer(tmp_path, environ={})

    assert isinstance(summarizer, ExtractiveSummarizer)


def test_a_requested_model_that_cannot_load_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = str(tmp_path / "no-such-model")

    with pytest.raises(ModelLoadError, match="no-such-model"):
        load_summarizer(tmp_path, environ={"PRECIS_MODEL_ID": missing})


def test_a_broken_packaged_model_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "config.json").write_text('{"model_type": "pegasus"}')

    with pytest.raises(ModelLoadError, match="could not load model|needs transformers"):
        load_summarizer(tmp_path, environ={})


@pytest.mark.parametrize("value", ["0", "33", "eight", "2.5"])
def test_a_bad_map_batch_size_fails_at_start_whichever_engine_runs(tmp_path, value):
    with pytest.raises(ModelSettingError, match=r"PRECIS_MAP_BATCH_SIZE="):
        load_summarizer(tmp_path, environ={"PRECIS_MAP_BATCH_SIZE": value})


def test_a_lazily_loaded_encoder_gives_the_same_vectors_as_the_converted_table(long_report):
    eager, lazy = SentenceEncoder.load(), SentenceEncoder.load(lazy=True)
    query = ["storm damage along the coast", ""]
    assert eager.encode(query).tobytes() == lazy.encode(query).tobytes()
    assert lazy._embedding.dtype != eager._embedding.dtype  # a few words: the table is still float16
    many = [long_report] * 40  # more tokens than the table has rows: converted whole, once
    assert eager.encode(many, idf=True).tobytes() == lazy.encode(many, idf=True).tobytes()
    assert lazy._embedding.dtype == eager._embedding.dtype
