"""Reading an upload for the submit checks: metadata and a bounded start of the content in one ranged GET."""

from __future__ import annotations

import pytest
from precis_core.adapters.articles import ArticleSource
from precis_core.domain.models import ArticleRef, InvalidArticle


def sent_operations(client) -> list[str]:
    operations: list[str] = []
    client.meta.events.register("before-call.s3", lambda model, **_: operations.append(model.name))
    return operations


def test_one_ranged_get_gives_the_whole_size_the_etag_the_version_and_the_start(s3, names):
    bucket = names.input_bucket
    # Given an article longer than the sample
    body = b"word " * 1000
    put = s3.put_object(Bucket=bucket, Key="incoming/long.txt", Body=body)
    operations = sent_operations(s3)
    # When its start is read
    stored, sample = ArticleSource(s3).read_start(ArticleRef(bucket, "incoming/long.txt"), limit=100)
    # Then the size is the whole object's, only the sample's bytes came back, and one call was made
    assert (stored.size, stored.etag, sample) == (len(body), put["ETag"].strip('"'), body[:100])
    assert stored.version_id == put["VersionId"]
    assert operations == ["GetObject"]


def test_an_empty_object_reads_as_zero_bytes_with_its_etag(s3, names):
    etag = s3.put_object(Bucket=names.input_bucket, Key="incoming/empty.txt", Body=b"")["ETag"].strip('"')
    stored, sample = ArticleSource(s3).read_start(ArticleRef(names.input_bucket, "incoming/empty.txt"))
    assert (stored.size, stored.etag, sample) == (0, etag, b"")


def test_a_deleted_object_is_an_invalid_article(s3, names):
    with pytest.raises(InvalidArticle) as refused:
        ArticleSource(s3).read_start(ArticleRef(names.input_bucket, "incoming/gone.txt"))
    assert "deleted before it could be submitted" in refused.value.reason
