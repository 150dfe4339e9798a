"""Judging an upload from its size and the start of its content, before any inference is spent."""

from __future__ import annotations

import json

import pytest
from precis_core.articles import SAMPLE_BYTES, inspect
from precis_core.models import InvalidArticle

CAP = 10 * 1024 * 1024


def judge(key: str, body: bytes, size: int | None = None):
    """What the submit service does: the size from HeadObject, the content from a bounded ranged read."""
    return inspect(key, len(body) if size is None else size, body[:SAMPLE_BYTES], CAP)


@pytest.mark.parametrize(
    ("key", "body", "size", "reason"),
    [
        ("incoming/empty.txt", b"", None, "the file is empty (0 bytes)"),
        ("incoming/huge.txt", b"x" * 100, CAP + 1, "over the 10,485,760-byte limit"),
        ("incoming/report.pdf", b"%PDF-1.7", None, "unsupported file type ('.pdf')"),
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
        ("incoming/list.json", b'[{"text": "One."}, "Two."]', "application/json", "list"),
        ("incoming/bom.txt", "\ufeffTitle line\nBody".encode(), "text/plain", "Title line"),
    ],
)
def test_supported_articles_get_a_content_type_and_a_title(key, body, content_type, title):
    article = judge(key, body)
    assert (article.content_type, article.title, article.size) == (content_type, title, len(body))
