"""What a durable stack finishes after its data is restored (precis.local.recovery): the uploads that have
no record, found under either id the submit function may have given them, and the S3 event sent for
each, which the submit function reads as it reads the local S3's own."""

from __future__ import annotations

import json

import boto3
from aws_lambda_powertools.utilities.data_classes import S3Event
from moto import mock_aws
from precis_core.domain.ids import document_id
from precis_core.services.submit import article_refs

from precis.local.recovery import latest_uploads, s3_event, without_record

BUCKET, TABLE = "precis-input-test", "summaries"


def test_uploads_without_a_record_are_found_and_their_events_read_as_the_local_s3s() -> None:
    with mock_aws():
        s3, dynamodb = (
            boto3.client("s3", region_name="us-east-1"),
            boto3.client("dynamodb", region_name="us-east-1"),
        )
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "document_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        # Given uploads: one recorded under its ETag's id (as from the local S3's event), one under its
        # version's id (as from AWS's), one without a record, one deleted, one folder marker, one overwritten
        for key in (
            "recorded-etag.txt",
            "recorded-version.txt",
            "Q3 résumé+plan.txt",
            "deleted.txt",
            "folder/",
        ):
            s3.put_object(Bucket=BUCKET, Key=f"incoming/{key}", Body=f"text of {key}".encode())
        s3.put_object(Bucket=BUCKET, Key="incoming/Q3 résumé+plan.txt", Body=b"newer text")
        s3.delete_object(Bucket=BUCKET, Key="incoming/deleted.txt")
        uploads = {u.key: u for u in latest_uploads(s3, BUCKET, "incoming/")}
        etag_ref, version_ref = (
            uploads["incoming/recorded-etag.txt"],
            uploads["incoming/recorded-version.txt"],
        )
        for doc in (
            document_id(BUCKET, etag_ref.key, etag_ref.etag),
            document_id(BUCKET, version_ref.key, version_ref.version_id),
        ):
            dynamodb.put_item(TableName=TABLE, Item={"document_id": {"S": doc}})

        # When the uploads without a record are looked for
        missing = without_record(dynamodb, TABLE, list(uploads.values()))

        # Then only the newest version of the one without a record is found
        assert [(u.key, u.size) for u in missing] == [("incoming/Q3 résumé+plan.txt", len(b"newer text"))]
        # And its event, as the submit function parses it, names the same object, key decoded
        event = json.loads(json.dumps(s3_event(missing[0], "us-east-1")))
        [ref] = list(article_refs(S3Event(event)))
        assert (ref.bucket, ref.key, ref.etag, ref.size) == (BUCKET, missing[0].key, missing[0].etag, 10)
        # as the local S3 sends it (with the version, as S3 does), so the record's id is the version's,
        # the same as the original event's and reconcile's upload sweep's
        assert ref.version_id == missing[0].version_id
