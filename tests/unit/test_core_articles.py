"""Judging an upload from its size and the start of its content, before any inference is spent."""

from __future__ import annotations

import json

import pytest
from precis_core.adapters.articles import SAMPLE_BYTES, inspect
from precis_core.domain.models import InvalidArticle

CAP = 10 * 1024 * 1024


def judge(key: str, body: bytes, size: int | None = None):
    """What the submit service does: the size from HeadObject, the content from a bounded ranged read."""
    return inspect(key, len(body) if size is None else size, body[:SAMPLE_BYTES], CAP)


@pytest.mark.parametrize(
    ("key", "body", "size", "reason"),
    [
        ("incoming/empty.txt", b"", None, "the file is empty (0 bytes)"),
        ("incoming/huge.txt", b"x" * 100, CAP + 1, "over the 10,485,760-byte limit"),
        ("incoming/report.pdf", b"Plain words.", None, "named as a PDF but is something else"),
        ("incoming/README", b"text", None, "unsupported file type (no extension)"),
        (
            "incoming/photo.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            None,
            "looks binary (it contains NUL bytes)",
        ),
        ("incoming/latin1.txt", "Café crème".encode("latin-1"), None, "not valid UTF-8 (byte 3 is 0xe9)"),
        (
            "incoming/controls.md",
            b"\x01\x02\x03\x04 text \x05\x06",
            None,
            "looks binary (6 control characters",
        ),
        ("incoming/blank.md", b"  \n\n\t \n", None, "contains only whitespace"),
        ("incoming/broken.json", b'{"text": "unterminated', None, "not valid JSON"),
        (
            "incoming/other.json",
            b'{"body": "no known field"}',
            None,
            'none of the fields "text", "article", "inputs"',
        ),
        ("incoming/empty-text.json", b'{"text": "  "}', None, 'field "text" must be a non-empty string'),
        ("incoming/number.json", b"42", None, "must be an object"),
        # the inference script takes one object per request (a list of texts goes in "inputs")
        ("incoming/list.json", b'[{"text": "One."}, "Two."]', None, "must be an object"),
    ],
)
def test_each_bad_input_is_refused_with_a_clear_reason(key, body, size, reason):
    with pytest.raises(InvalidArticle) as refused:
        judge(key, body, size)
    assert reason in refused.value.reason


def test_a_multibyte_character_cut_by_the_ranged_read_is_not_an_encoding_error():
    # Given an article whose sample ends in the middle of "é" (2 bytes in UTF-8)
    body = b"a" * (SAMPLE_BYTES - 1) + "é".encode() + b" and more text"
    assert body[:SAMPLE_BYTES].endswith(b"\xc3")
    # When it is judged from the bounded read, Then it is accepted
    assert judge("incoming/long.txt", body).content_type == "text/plain"


def test_the_same_cut_character_in_a_whole_file_is_an_encoding_error():
    with pytest.raises(InvalidArticle, match="not valid UTF-8"):
        judge("incoming/short.txt", b"abc\xc3")


def test_a_json_article_too_long_to_parse_here_is_checked_by_its_start():
    long_json = json.dumps({"text": "word " * SAMPLE_BYTES}).encode()
    assert judge("incoming/long.json", long_json).content_type == "application/json"
    with pytest.raises(InvalidArticle, match="does not start with an object"):
        judge("incoming/long.json", b"not json " * SAMPLE_BYTES)


@pytest.mark.parametrize(
    ("key", "body", "content_type", "title"),
    [
        ("incoming/a.txt", "\n  Q3 résumé report  \nBody.".encode(), "text/plain", "Q3 résumé report"),
        ("incoming/a.md", b"# Rates rise again\n\nText.", "text/markdown", "Rates rise again"),
        (
            "incoming/a.md",
            b"---\nlayout: note\n---\n\n[![build](badge.svg)](ci)\n\n# C# tips for analysts ##\n\nText.",
            "text/markdown",
            "C# tips for analysts",
        ),
        (
            "incoming/paragraph.txt",
            b"The central bank raised its main rate by a quarter point on Tuesday, the third increase this "
            b"year, and said more would follow.\n\nMore.",
            "text/plain",
            "paragraph",
        ),
        (
            "incoming/a.HTML",
            b"<html><head><title>Markets &amp; money</title></head><body>x</body></html>",
            "text/html",
            "Markets & money",
        ),
        ("incoming/a.htm", b"<body><h1>Only <em>a</em> heading</h1></body>", "text/html", "Only a heading"),
        ("incoming/a.json", b'{"title": "Given", "article": "Text."}', "application/json", "Given"),
        ("incoming/a.json", b'{"inputs": ["One.", "Two."]}', "application/json", "a"),
        ("incoming/bom.txt", "\ufeffTitle line\nBody".encode(), "text/plain", "Title line"),
    ],
)
def test_supported_articles_get_a_content_type_and_a_title(key, body, content_type, title):
    article = judge(key, body)
    assert (article.content_type, article.title, article.size) == (content_type, title, len(body))


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("incoming/zero-width.txt", "\u200b\u200c\u200d\u2060\ufeff".encode(), "no words to summarize"),
        ("incoming/dots.md", b"... --- !!! ___ ***\n\n* * *", "no words to summarize"),
        (
            "incoming/tags.html",
            b"<div><span>&nbsp;&mdash;</span><br/></div><p>*</p>",
            "no words to summarize",
        ),
        ("incoming/blank.json", '{"text": "\u200b \u200b"}'.encode(), 'field "text" has no words'),
        ("incoming/item.json", b'{"inputs": ["Rain.", "?!"]}', '"inputs" item 2 has no words'),
        ("incoming/deep.json", b'{"text": ' * 10_000 + b'"x"' + b"}" * 10_000, "nests too deeply"),
        (
            "incoming/digits.json",
            b'{"text": "x", "parameters": {"sentences": ' + b"9" * 5000 + b"}}",
            "has a number of 5,000 digits; numbers may have at most 100",
        ),
        (
            "incoming/many.json",
            json.dumps({"inputs": ["Rain."] * 20_000}).encode(),
            "20,000 items, over the 100",
        ),
        (
            "incoming/big.json",
            b'{"text": "x", "parameters": {"sentences": 100000}}',
            "sentences must be a whole number",
        ),
        (
            "incoming/beams.json",
            b'{"text": "x", "parameters": {"num_beams": 2.5}}',
            "num_beams must be a whole number",
        ),
        (
            "incoming/knob.json",
            b'{"text": "x", "parameters": {"temperature": 1}}',
            "unknown parameter 'temperature'",
        ),
        ("incoming/params.json", b'{"text": "x", "parameters": [1]}', '"parameters" must be an object'),
        (
            "incoming/range.json",
            b'{"text": "x", "parameters": {"min_length": 90, "max_length": 60}}',
            "min_length (90) must not exceed max_length (60)",
        ),
        ("incoming/extra.json", b'{"text": "x", "comment": "y"}', "unknown fields ['comment']"),
        ("incoming/both.json", b'{"text": "x", "inputs": "y"}', "more than one of the fields"),
        (
            "incoming/no-bom.txt",
            "Plain words in UTF-16".encode("utf-16-le"),
            "UTF-16 without a byte-order mark",
        ),
        ("incoming/lying-bom.txt", b"\xff\xfe" + b"\x00\xd8", "not valid UTF-16"),  # a lone surrogate
    ],
)
def test_uploads_the_endpoint_would_refuse_are_refused_here_with_its_reason(key, body, reason):
    with pytest.raises(InvalidArticle) as refused:
        judge(key, body)
    assert reason in refused.value.reason


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-8-sig", "text/plain"),  # the mark is dropped, the text is UTF-8
        ("utf-16", "text/plain; charset=utf-16"),  # Python writes the mark, little-endian here
        ("utf-16-be", "text/plain; charset=utf-16"),
        ("utf-32", "text/plain; charset=utf-32"),
    ],
)
def test_byte_order_marks_name_the_encoding_sent_to_the_endpoint(encoding, content_type):
    text = "Tide report\n\nThe harbour opened at dawn."
    body = text.encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + text.encode(encoding)

    article = judge("incoming/tide.txt", body)

    assert (article.content_type, article.title) == (content_type, "Tide report")


def test_a_json_upload_in_utf_16_keeps_its_charset_and_title():
    article = judge("incoming/a.json", json.dumps({"title": "Tides", "text": "Rain."}).encode("utf-16"))

    assert (article.content_type, article.title) == ("application/json; charset=utf-16", "Tides")


def test_whatever_a_check_raises_refuses_the_upload_with_its_name(monkeypatch):
    # Given a check that breaks on some content in a way nobody foresaw
    def broken(text: str) -> bool:
        raise MemoryError

    monkeypatch.setattr("precis_core.adapters.articles.has_words", broken)

    # Then the upload is refused with the error's name instead of the event failing and retrying
    with pytest.raises(InvalidArticle, match="could not be read as text/plain: MemoryError"):
        judge("incoming/a.txt", b"Some words.")
