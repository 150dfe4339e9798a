"""SubmitFunction serves only the stack's input bucket (INPUT_BUCKET): its permission to read uploads is
scoped by name, but an event is only a claim, and one naming another bucket is refused, logged and counted."""

from __future__ import annotations

import json

from precis_core.domain.ids import document_id

OTHER_BUCKET = "someone-elses-bucket"
ARTICLE = b"Rates rise again.\n\nThe central bank raised its rate by a quarter point on Tuesday."


def test_an_event_naming_another_bucket_is_refused_logged_and_counted(
    submit_handler, upload, s3, store, endpoint_calls, lambda_context, capsys, caplog, names
):
    # Given an article in some other bucket of the account, and an S3 event that names it
    s3.create_bucket(Bucket=OTHER_BUCKET)
    s3.put_object(Bucket=OTHER_BUCKET, Key="incoming/news/a.txt", Body=ARTICLE)
    event = upload("incoming/news/a.txt", ARTICLE)
    event["Records"][0]["s3"]["bucket"]["name"] = OTHER_BUCKET
    event["Records"][0]["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{OTHER_BUCKET}"

    # When the submit function receives it
    (result,) = submit_handler(event, lambda_context)["results"]

    # Then nothing is read, recorded or sent, and the reason names both buckets
    assert result["outcome"] == "foreign_bucket"
    assert result["reason"] == (
        f"the event names bucket {OTHER_BUCKET!r}, not this stack's input bucket {names.input_bucket!r}"
    )
    assert endpoint_calls.calls == []
    version = event["Records"][0]["s3"]["object"]["versionId"]
    assert store.get(document_id(OTHER_BUCKET, "incoming/news/a.txt", version)) is None
    # And it is logged and counted as its own metric
    assert "refusing an event for another bucket" in caplog.messages
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("ForeignBucketEvents") == [1.0] for line in lines)


def test_an_event_naming_the_input_bucket_is_served(submit_handler, upload, endpoint_calls, lambda_context):
    event = upload("incoming/news/a.txt", ARTICLE)

    (result,) = submit_handler(event, lambda_context)["results"]

    assert result["outcome"] == "queued"
    assert len(endpoint_calls.calls) == 1
