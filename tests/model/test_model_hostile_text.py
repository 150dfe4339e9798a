"""Text the engine once dropped or parroted: a 10 MB "word", scripts written without spaces, a deeply
nested Markdown list, and what counts as a word in each (precis_summarizer.words)."""

from __future__ import annotations

import pytest
from precis_summarizer.extractive import default_word_budget
from precis_summarizer.request import Parameters
from precis_summarizer.sentences import split_sentences
from precis_summarizer.words import LONGEST_WORD, count_words, first_words

CHINESE = (
    "港口小镇周二启用了一座潮汐发电站。"
    "四台涡轮机安装在河口底部，随涨潮和落潮转动。"
    "工程师预计该电站可为约三千四百户家庭供电。"
    "项目耗资四千一百五十万英镑，规划和建设用了六年。"
    "一些渔民仍然表示怀疑，称施工船只扰乱了贻贝床。"
    "港务局表示明年春天将资助一项独立研究。"
)
JAPANESE = (
    "市立図書館は二年間の改修を終えて五月に再開する。"
    "新しい建物には読書カフェと子ども向けの部屋がある。"
    "改修費は当初の見積もりをわずかに下回った。"
    "市長は図書館を町の居間と呼んだ。"
    "六月からは日曜日も開館する予定だ。"
)
THAI = (
    "เมืองท่าเปิดโรงไฟฟ้าพลังน้ำขึ้นน้ำลงเมื่อวันอังคาร "
    "กังหันสี่ตัวติดตั้งอยู่ที่ก้นปากแม่น้ำ "
    "วิศวกรคาดว่าโรงไฟฟ้าจะจ่ายไฟให้บ้านประมาณสามพันสี่ร้อยหลัง "
    "ชาวประมงบางคนยังไม่เชื่อมั่น"
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The tide turned, twice.", 4),  # spaces part words, as str.split does
        ("x" * 1000, 1000 // LONGEST_WORD),  # a run past any word counts per LONGEST_WORD characters
        ("図書館は五月に再開する。", 11),  # each Han character and kana is a word; 。 is none
        ("กังหันสี่ตัว", 3),  # Thai: one word per four characters (12 here)
        ("東京 2026 Tokyo", 4),
        ("", 0),
    ],
)
def test_words_are_counted_by_the_documented_rule(text, words):
    assert count_words(text) == words


def test_first_words_cuts_inside_a_run_too_long_to_be_a_word():
    assert first_words("x" * 1000 + " tail", 2) == "x" * (2 * LONGEST_WORD)
    assert first_words("図書館は五月", 3) == "図書館"


@pytest.mark.parametrize(("text", "count"), [(CHINESE, 6), (JAPANESE, 5), (THAI, 4)])
def test_sentences_are_split_in_scripts_without_spaces(text, count):
    sentences = split_sentences(text)

    assert len(sentences) == count
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("text", [CHINESE, JAPANESE, THAI])
def test_text_without_spaces_gets_a_summary_shorter_than_itself(offline_model, text):
    summary = offline_model.summarize(text)

    assert summary.words_in == count_words(text) > 40
    assert 0 < summary.words_out < summary.words_in
    assert len(split_sentences(summary.summary)) == 3
    assert all(sentence in text for sentence in split_sentences(summary.summary))


def test_a_huge_word_gets_a_summary_within_the_word_budget(offline_model):
    # Given a document that is one 1 MB run of letters (once summarized as the whole input; the
    # hostile-input table sends 10 MB through the stack)
    text = "abcdefghij" * 104_857

    # When it is summarized
    summary = offline_model.summarize(text)

    # Then the summary is its opening, cut visibly at the news budget, not the input returned
    assert summary.words_in == len(text) // LONGEST_WORD + 1
    assert summary.words_out <= default_word_budget(summary.words_in) + 1  # and the "…" marking the cut
    assert summary.summary.endswith(" …") and text.startswith(summary.summary[:-2])


def test_a_run_on_sentence_in_a_script_without_spaces_is_cut_to_the_budget(offline_model):
    text = "港口小镇周二启用了一座潮汐发电站" * 500  # 8,000 characters and no sentence end

    summary = offline_model.summarize(text, Parameters(max_length=80))

    assert summary.words_out <= 81
    assert summary.summary.endswith("…")


def test_a_sentence_count_never_lifts_the_summary_past_the_longest_budget(offline_model):
    text = " ".join(["The turbines turned all night"] * 2000) + "."  # one 10,000-word sentence

    summary = offline_model.summarize(text, Parameters(sentences=1))

    assert summary.words_out <= 1025


def test_a_markdown_list_nested_ten_levels_keeps_the_article_after_it(inference):
    # Given a list nested ten levels deep (markdown-it stops at its nesting limit, dropping what follows)
    nested = "".join("  " * level + f"- level {level}\n" for level in range(10))
    article = " ".join(["The harbour board will publish the station's output every month."] * 30)
    body = f"# Tidal power\n\n{nested}\n{article}\n"

    # When the endpoint reads it
    document = inference.input_fn(body, "text/markdown").documents[0]

    # Then every level and the whole article are in the text
    assert document.count("The harbour board will publish") == 30
    assert all(f"level {level}" in document for level in range(10))


def test_markdown_deeper_than_the_parser_goes_is_read_as_text(inference):
    nested = "".join("> " * level + f"quote {level}\n\n" for level in range(1, 120))

    document = inference.input_fn(nested + "The end of the article.", "text/markdown").documents[0]

    assert "The end of the article." in document
    assert "quote 119" in document
