"""Objects outside incoming/ are named, with where articles must go (`precis local status` prints it)."""

from __future__ import annotations

from precis.cli.stray_uploads import stray_uploads

BUCKET = "precis-test-input"


def test_objects_outside_incoming_are_counted_and_named(stack, client):
    s3 = client("s3")
    for key in ("incoming/news/a.txt", "incoming/b.txt", "report.txt", "drafts/c.md", "drafts/d.md"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"words")

    stray = stray_uploads(s3, BUCKET)

    assert (stray.count, stray.examples) == (2, ["report.txt", "drafts/"])
    assert stray.advice(BUCKET) == (
        "2 object(s) in s3://precis-test-input/ are outside incoming/ and are not summarized "
        "(e.g. 'report.txt', 'drafts/'): upload articles under incoming/<collection>/, or use `precis submit`"
    )


def test_a_bucket_with_articles_only_under_incoming_has_none(stack, client):
    s3 = client("s3")
    s3.put_object(Bucket=BUCKET, Key="incoming/news/a.txt", Body=b"words")
    assert stray_uploads(s3, BUCKET).count == 0
