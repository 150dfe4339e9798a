"""Bad and odd uploads, all at once, through the local stack: each ends as the table says (a record
COMPLETED, FAILED with a reason a user can act on, or no record for what is not an article), and
nothing ends in a dead-letter queue."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass

import pytest
from precis_core.adapters.articles import SAMPLE_BYTES

from precis import hostile_documents as hostile

pytestmark = pytest.mark.integration

NO_RECORD = None


@dataclass(frozen=True)
class Upload:
    name: str  # the file name under incoming/<collection>/
    body: bytes
    status: str | None  # COMPLETED, FAILED, or NO_RECORD
    reason: str = ""  # a part of the failure reason
    words_in: int = 0  # COMPLETED: at least this many words read (none dropped)
    words_out: int | None = None  # COMPLETED: at most this many in the summary (no parroting)


CHINESE = (
    "港口小镇周二启用了一座潮汐发电站。四台涡轮机安装在河口底部，随涨潮和落潮转动。"
    "工程师预计该电站可为约三千四百户家庭供电。项目耗资四千一百五十万英镑，规划和建设用了六年。"
    "一些渔民仍然表示怀疑，称施工船只扰乱了贻贝床。港务局表示明年春天将资助一项独立研究。"
)
JAPANESE = (
    "市立図書館は二年間の改修を終えて五月に再開する。新しい建物には読書カフェと子ども向けの部屋がある。"
    "改修費は当初の見積もりをわずかに下回った。市長は図書館を町の居間と呼んだ。六月からは日曜日も開館する予定だ。"
)
THAI = (
    "เมืองท่าเปิดโรงไฟฟ้าพลังน้ำขึ้นน้ำลงเมื่อวันอังคาร กังหันสี่ตัวติดตั้งอยู่ที่ก้นปากแม่น้ำ "
    "วิศวกรคาดว่าโรงไฟฟ้าจะจ่ายไฟให้บ้านประมาณสามพันสี่ร้อยหลัง ชาวประมงบางคนยังไม่เชื่อมั่น"
)


def uploads(article: str) -> list[Upload]:
    """The table: one row per kind of upload, its final status and (when FAILED) its reason."""
    words = article.encode()
    article_words = len(article.split())
    nested_list = "".join("  " * level + f"- level {level}\n" for level in range(10))
    huge_line = " ".join(article.replace(".", " ").split()) * (SAMPLE_BYTES // len(article) + 2)
    return [
        # empty, blank and wordless
        Upload("empty.txt", b"", "FAILED", "the file is empty (0 bytes)"),
        Upload("blank.md", b"  \n\n\t \n", "FAILED", "only whitespace"),
        Upload("zero-width.txt", "\u200b\u200c\u200d\u2060".encode(), "FAILED", "no words to summarize"),
        Upload("punctuation.md", b"... --- !!! ???\n\n* * *\n", "FAILED", "no words to summarize"),
        Upload("markup-only.html", b"<div><span>&nbsp;&mdash;</span><br/></div>", "FAILED", "no words"),
        Upload(
            "script-only.html",
            b"<html><script>var words = 1;</script></html>",
            "FAILED",
            "no text to summarize",
        ),
        # binary and other formats
        Upload("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "FAILED", "looks binary"),
        Upload("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "FAILED", "the PDF could not be read"),
        Upload(
            "letter.docx", b"PK\x03\x04\x14\x00\x06\x00", "FAILED", "the .docx file is damaged or truncated"
        ),
        Upload("table.csv", b"a,b\n1,2\n", "FAILED", "unsupported file type ('.csv')"),
        Upload("README", words, "FAILED", "unsupported file type (no extension)"),
        Upload(
            "controls.txt",
            b"\x01\x02\x03\x04 text \x05\x06\x07",
            "FAILED",
            "looks binary (7 control characters",
        ),
        # encodings
        Upload(
            "latin-1.txt",
            "Café crème in Zürich.".encode("latin-1"),
            "FAILED",
            "not valid UTF-8 (byte 3 is 0xe9)",
        ),
        Upload("broken-utf8.md", words[:200] + b"\xc3\x28" + words[200:400], "FAILED", "not valid UTF-8"),
        Upload("utf16-no-bom.txt", article.encode("utf-16-le"), "FAILED", "UTF-16 without a byte-order mark"),
        Upload("utf16-le-bom.txt", article.encode("utf-16"), "COMPLETED"),
        Upload("utf16-be-bom.txt", codecs.BOM_UTF16_BE + article.encode("utf-16-be"), "COMPLETED"),
        Upload("utf32-bom.txt", article.encode("utf-32"), "COMPLETED"),
        Upload(
            "utf8-bom.json", json.dumps({"title": "BOM", "text": article}).encode("utf-8-sig"), "COMPLETED"
        ),
        # JSON the inference script would refuse, and one too long for the submit function to parse
        Upload("deep.json", b'{"text": ' * 10_000 + b'"x"' + b"}" * 10_000, "FAILED", "nests too deeply"),
        Upload(
            "many.json", json.dumps({"inputs": ["Rain fell."] * 20_000}).encode(), "FAILED", "20,000 items"
        ),
        Upload("list.json", json.dumps([{"text": article}]).encode(), "FAILED", "must be an object"),
        Upload(
            "fields.json",
            json.dumps({"text": article, "[/]": 1}).encode(),
            "FAILED",
            "unknown fields ['[/]']",
        ),
        Upload(
            "sentences.json",
            json.dumps({"text": article, "parameters": {"sentences": 10**9}}).encode(),
            "FAILED",
            "sentences must be a whole number from 1 to 50",
        ),
        Upload(
            "long-bad-parameters.json",
            json.dumps(
                {"parameters": {"bogus": 1}, "text": article * (SAMPLE_BYTES // len(article) + 1)}
            ).encode(),
            "FAILED",
            "unknown parameters ['bogus']",
        ),
        # work one request may cause
        # past the parser's 200,000 elements the text is read without it, never refused or lost
        Upload("tags.html", b"<b>a</b> " * 125_001, "COMPLETED", words_in=125_001),
        Upload(
            "nested-divs.html",
            b"<div>" * 100_000 + b"<p>" + words + b"</p>" + b"</div>" * 100_000,
            "COMPLETED",
            words_in=article_words,
        ),
        Upload("nested-list.md", f"{nested_list}\n{article}".encode(), "COMPLETED", words_in=article_words),
        Upload(
            "digits.json",
            b'{"text": "Rain fell.", "id": ' + b"7" * 5000 + b"}",
            "FAILED",
            "the .json file has a number of 5,000 digits; numbers may have at most 100",
        ),
        # a summary keeps to its word budget whatever the text: one 10 MB "word", scripts without spaces
        Upload("ten-mb-word.txt", b"abcdefghij" * (1024 * 1024 - 1), "COMPLETED", words_out=401),
        Upload("chinese.txt", CHINESE.encode(), "COMPLETED", words_in=110, words_out=80),
        Upload("japanese.md", JAPANESE.encode(), "COMPLETED", words_in=90, words_out=80),
        Upload("thai.txt", THAI.encode(), "COMPLETED", words_in=40, words_out=40),
        Upload(
            "oversize.txt",
            b"word " * (10 * 1024 * 1024 // 5) + b"x",
            "FAILED",
            "over the 10,485,760-byte limit",
        ),
        Upload("one-huge-line.txt", huge_line.encode(), "COMPLETED"),
        Upload("tiny-sentences.txt", b"Yes. No. " * 10_000, "COMPLETED"),
        # key edge cases, a folder marker, and ordinary articles for contrast
        Upload("a b+c%20 résumé [bold] \x1b[31m.txt", words, "COMPLETED"),
        Upload("x" * 900 + ".md", words, "COMPLETED"),
        # keys S3 takes: processed, or FAILED at once naming what InvokeEndpointAsync cannot take
        Upload("tab\tin the name.txt", words, "COMPLETED"),
        Upload("what?#hash.txt", words, "COMPLETED"),
        Upload("carriage\rreturn.txt", words, "FAILED", "the object's key has a carriage return (CR)"),
        # (a line feed fails the same way in AWS; moto's server answers its PutObject 404: unit tests only)
        Upload("y" * 960 + ".txt", words, "FAILED", "characters long, over the 1,024 SageMaker's"),
        Upload(
            "UPPER.HTM", b"<html><title>Upper</title><body><p>" + words + b"</p></body></html>", "COMPLETED"
        ),
        Upload("folder/", b"", NO_RECORD),
        Upload("plain.txt", words, "COMPLETED"),
    ]


def documents(article: str) -> list[Upload]:
    """PDF and Word files, ordinary, hostile and mislabelled (built by precis.hostile_documents)."""
    return [
        Upload("paper.pdf", hostile.text_pdf(article), "COMPLETED"),
        Upload("briefing.docx", hostile.text_docx(article), "COMPLETED"),
        Upload("scan.pdf", hostile.scanned_pdf(), "FAILED", "no text layer (scanned PDF?)"),
        Upload(
            "locked.pdf",
            hostile.encrypted_pdf(article),
            "FAILED",
            "the PDF is encrypted (password-protected)",
        ),
        Upload(
            "page-count-bomb.pdf", hostile.page_count_bomb(), "FAILED", "2,000,000,000 pages, over the 500"
        ),
        Upload("page-tree-bomb.pdf", hostile.deep_page_tree(), "FAILED", "page tree nests over 32 levels"),
        Upload(
            "nested-bomb.pdf", hostile.nested_objects(), "FAILED", "damaged, or built to exhaust a reader"
        ),
        Upload("javascript.pdf", hostile.javascript_pdf(article), "COMPLETED"),
        Upload("cut-off.pdf", hostile.truncated(hostile.text_pdf(article)), "FAILED", "damaged or truncated"),
        Upload(
            "cut-off.docx", hostile.truncated(hostile.text_docx(article)), "FAILED", "damaged or truncated"
        ),
        Upload(
            "zip-bomb.docx", hostile.docx_zip_bomb(), "FAILED", "over the 67,108,864-byte limit (a zip bomb?)"
        ),
        Upload("entity-bomb.docx", hostile.docx_entity_bomb(), "FAILED", "EntitiesForbidden"),
        # mislabelled: read as what it is, or refused naming the mismatch
        Upload("pdf-saved-as.txt", hostile.text_pdf(article), "COMPLETED"),
        Upload(
            "html-saved-as.txt",
            b"<!DOCTYPE html><html><head><title>Saved page</title></head><body><p>"
            + article.encode()
            + b"</p>",
            "COMPLETED",
        ),
        Upload("text-saved-as.pdf", article.encode(), "FAILED", "named as a PDF but is something else"),
    ]


def dead_letters(pipeline, output: str) -> list[str]:
    """Every message body in one of the stack's on-failure queues (peeked: each shows again in 2 s)."""
    sqs = pipeline.stack.client("sqs")
    queue = pipeline.stack.outputs[output]
    bodies: list[str] = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=2).get(
        "Messages"
    ):
        bodies += [m["Body"] for m in messages]
    return bodies


def test_every_bad_or_odd_upload_ends_as_expected_and_none_in_a_dead_letter_queue(pipeline) -> None:
    table = uploads(pipeline.articles(1)[0][1])
    assert len(table) >= 30
    settles_as_the_table_says(pipeline, "hostile", table)


def test_every_pdf_and_word_file_ends_as_expected_and_none_in_a_dead_letter_queue(pipeline) -> None:
    # A table of its own, so its extractions do not share the endpoint with the slow text rows above
    table = documents(pipeline.articles(1)[0][1])
    assert len(table) >= 15
    settles_as_the_table_says(pipeline, "documents", table)


def settles_as_the_table_says(pipeline, name: str, table: list[Upload]) -> None:
    collection = pipeline.new_collection(name)

    # Given each kind uploaded under incoming/<collection>/
    for upload in table:
        pipeline.s3.put_object(
            Bucket=pipeline.input_bucket, Key=f"incoming/{collection}/{upload.name}", Body=upload.body
        )

    # When the pipeline has settled every one that gets a record
    expected = [u for u in table if u.status is not NO_RECORD]
    records = pipeline.wait_for_records(collection, len(expected))
    by_key = {r["input_location"].split(f"/incoming/{collection}/", 1)[1]: r for r in records}

    # Then each ended as the table says, with its reason, and what is not an article has no record
    wrong = {}
    for upload in table:
        record = by_key.get(upload.name, {})
        status, reason = record.get("status"), record.get("failure_reason") or ""
        if status != upload.status or upload.reason not in reason:
            wrong[upload.name[:60]] = (status, reason[:200])
    assert wrong == {}, wrong
    assert len(records) == len(expected)
    for upload in expected:
        record = by_key[upload.name]
        if upload.status == "COMPLETED":
            assert record["summary"].strip(), upload.name
            assert record["words_in"] >= upload.words_in, upload.name
            if upload.words_out is not None:
                assert record["words_out"] <= upload.words_out, upload.name
            assert "%PDF" not in record["summary"] and "<p>" not in record["summary"], upload.name

    # And nothing about them waits in a dead-letter queue
    for output in ("SubmitDeadLetterQueueUrl", "RecordDeadLetterQueueUrl"):
        assert [body for body in dead_letters(pipeline, output) if collection in body] == [], output
