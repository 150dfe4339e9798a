"""What bench/chaos.py uploads: articles cut from the bundled samples, and the hostile uploads the poison
fault mixes in among them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from precis.samples import passages


@dataclass(frozen=True)
class Upload:
    """One object put under incoming/<collection>/."""

    name: str
    body: bytes
    content_type: str | None = None
    well_formed: bool = True
    """A normal article: it must end COMPLETED."""
    makes_record: bool = True
    """A folder marker makes none."""
    delete_after_put: bool = False


@dataclass
class Uploaded:
    upload: Upload
    key: str


def articles(count: int) -> list[Upload]:
    """`count` news-to-paper-length texts cut from the bundled samples, cycled under distinct names."""
    texts = passages(min_words=300)
    return [
        Upload(f"article-{number:05d}.txt", texts[number % len(texts)][1].encode(), "text/plain")
        for number in range(count)
    ]


def hostile_uploads(article: str) -> list[Upload]:
    """The kinds of bad or odd upload issue 10 lists; each must end settled (COMPLETED, or FAILED with
    a reason), none QUEUED or without a record. Written here, not taken from anywhere."""
    deep = '{"text": ' * 10_000 + '"deep"' + "}" * 10_000
    words = article.split()
    return [
        Upload(
            "inputs-20000.json", json.dumps({"inputs": [article[:400]] * 20_000}).encode(), well_formed=False
        ),
        Upload("deep-10000.json", deep.encode(), well_formed=False),
        Upload(
            "huge-parameters.json",
            json.dumps(
                {
                    "text": article,
                    "parameters": {"sentences": 10**9, "max_length": 10**9, "target_words": 10**9},
                }
            ).encode(),
            well_formed=False,
        ),
        Upload("zero-width.txt", ("\u200b\u200c\u200d\ufeff" * 2000).encode(), well_formed=False),
        Upload(
            "markup-field.json", json.dumps({"[/]": article, "[bold]x[/]": 1}).encode(), well_formed=False
        ),
        Upload(
            "ansi-title.md",
            f"# \x1b[31mRed\x1b[0m title \x1b]0;pwned\x07\n\n{article}".encode(),
            well_formed=False,
        ),
        Upload("utf16.txt", article.encode("utf-16"), well_formed=False),
        Upload("utf8-bom.txt", b"\xef\xbb\xbf" + article.encode(), well_formed=False),
        Upload(
            "invalid-utf8.txt",
            article.encode()[:2000] + b" \xc3\x28 \xfa\xc0\xaf",
            well_formed=False,
        ),
        Upload("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40, well_formed=False),
        Upload("figure.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, well_formed=False),
        Upload("notes.docx", b"PK\x03\x04" + bytes(range(256)) * 40, well_formed=False),
        Upload(
            "one-line.txt",
            " ".join(words[i % len(words)] for i in range(150_000)).encode(),
            well_formed=False,
        ),
        Upload("tiny-sentences.txt", ("Yes. " * 60_000).encode(), well_formed=False),
        Upload("empty.txt", b"", well_formed=False),
        Upload(
            "oversize.txt",
            (article + "\n\n").encode() * (11 * 1024 * 1024 // len(article) + 1),
            well_formed=False,
        ),
        Upload("deleted-before-read.txt", article.encode(), well_formed=False, delete_after_put=True),
        Upload("wrong-type.json", json.dumps({"text": 42}).encode(), well_formed=False),
        Upload("script-only.html", b"<html><script>alert(1)</script></html>", well_formed=False),
        Upload("sub folder/", b"", well_formed=False, makes_record=False),
        Upload("Résumé + plan (final) 東京.txt", article.encode(), well_formed=False),
    ]


def with_hostile(uploads: list[Upload]) -> list[Upload]:
    """The articles with the hostile uploads spread evenly among them."""
    mixed = list(uploads)
    hostile = hostile_uploads(uploads[0].body.decode())
    step = max(1, len(uploads) // len(hostile))
    for offset, upload in enumerate(hostile):
        mixed.insert(min(len(mixed), offset * (step + 1)), upload)
    return mixed
