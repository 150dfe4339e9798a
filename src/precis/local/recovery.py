"""What was in flight when a durable local stack stopped (or its moto server died), finished once its
data is back: moto keeps S3 and DynamoDB on disk (precis.local.persistence) but not SQS, so the events
still queued for the functions are gone, and what they would have done is worked out from S3 and the
records instead.

- An upload under the input prefix (its newest version) without a record: its S3 event is sent to the
  submit function's event queue again, as the local S3 (moto) sends it, so the submit function derives
  the same document id as from the original event (moto's event names no versionId, so that id comes
  from the ETag); the submit function is idempotent, so an upload whose event did arrive meanwhile is
  not recorded twice.
- A QUEUED record: settled by the reconcile service now (from its output or failure object, sent again
  if the endpoint never accepted it, left alone while the endpoint still works on it), rather than after
  the schedule and age threshold of ReconcileFunction. A record already COMPLETED is never touched, so no
  article runs through the model twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from precis_core import composition
from precis_core.domain.function_settings import ReconcileSettings
from precis_core.domain.ids import document_id
from precis_core.domain.models import ArticleRef

from precis.local.wiring import FunctionWiring

ClientFor = Callable[[str], Any]
_BATCH_GET = 100
_SEND_BATCH = 10


def latest_uploads(s3: Any, bucket: str, prefix: str) -> Iterator[ArticleRef]:
    """The newest version of every object under `prefix` that is not deleted and not a folder marker."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if version["IsLatest"] and not version["Key"].endswith("/"):
                version_id = version.get("VersionId")
                yield ArticleRef(
                    bucket=bucket,
                    key=version["Key"],
                    version_id=None if version_id in (None, "null") else version_id,
                    etag=version["ETag"].strip('"'),
                    size=version["Size"],
                )


def without_record(dynamodb: Any, table: str, uploads: list[ArticleRef]) -> list[ArticleRef]:
    """The uploads whose document has no record (under the id from its version or from its ETag)."""
    by_id = {document_id(u.bucket, u.key, u.version_id or u.etag): u for u in uploads}
    by_id.update({document_id(u.bucket, u.key, u.etag): u for u in uploads})
    found: set[str] = set()
    ids = list(by_id)
    for start in range(0, len(ids), _BATCH_GET):
        request = {
            table: {
                "Keys": [{"document_id": {"S": i}} for i in ids[start : start + _BATCH_GET]],
                "ProjectionExpression": "document_id",
            }
        }
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            found.update(item["document_id"]["S"] for item in answer["Responses"].get(table, []))
            request = answer.get("UnprocessedKeys") or {}
    recorded = {id(upload) for doc, upload in by_id.items() if doc in found}
    return [upload for upload in uploads if id(upload) not in recorded]


def s3_event(upload: ArticleRef, region: str) -> dict:
    """The ObjectCreated:Put event the local S3 sends for the upload (key URL-encoded, as S3 encodes it;
    the versionId in a versioned bucket, as S3 names it: the document id comes from it)."""
    obj: dict[str, Any] = {
        "key": quote_plus(upload.key, safe="/"),
        "size": upload.size or 0,
        "eTag": upload.etag,
    }
    if upload.version_id and upload.version_id != "null":
        obj["versionId"] = upload.version_id
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": now,
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "precis-local"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "precis-local-recovery",
                    "bucket": {
                        "name": upload.bucket,
                        "ownerIdentity": {"principalId": "precis-local"},
                        "arn": f"arn:aws:s3:::{upload.bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }


def resubmit(sqs: Any, submit: FunctionWiring, uploads: list[ArticleRef], region: str) -> None:
    """Each upload's S3 event on the submit function's event queue."""
    url = sqs.get_queue_url(QueueName=submit.event_queue_name)["QueueUrl"]
    for start in range(0, len(uploads), _SEND_BATCH):
        entries = [
            {"Id": str(number), "MessageBody": json.dumps(s3_event(upload, region))}
            for number, upload in enumerate(uploads[start : start + _SEND_BATCH])
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def finish_in_flight(
    client: ClientFor, outputs: dict[str, str], functions: dict[str, FunctionWiring], aws: dict[str, str]
) -> dict[str, Any]:
    """Uploads without a record submitted again, QUEUED records reconciled; what was done, in counts
    (nothing for a template without precis's submit and reconcile functions)."""
    if "SubmitFunction" not in functions or "ReconcileFunction" not in functions:
        return {}
    submit, reconcile = functions["SubmitFunction"], functions["ReconcileFunction"]
    prefix = submit.function.environment.get("INPUT_PREFIX", "incoming/")
    uploads = list(latest_uploads(client("s3"), outputs["InputBucketName"], prefix))
    missing = without_record(client("dynamodb"), outputs["SummariesTableName"], uploads)
    if missing:
        resubmit(client("sqs"), submit, missing, aws["AWS_REGION"])
    settings = ReconcileSettings.from_env(reconcile.environment(aws))
    report = composition.reconciler(settings, client).run()
    counts = {outcome: count for outcome, count in report.counts.items() if count}
    return {"uploads": len(uploads), "resubmitted": len(missing), "reconciled": counts}


def describe(restored: dict[str, Any] | None, finished: dict[str, Any], endpoint_open: int) -> str:
    """One line for `precis local up`: what came back from disk and what was still to do."""
    if not restored:
        return "data: in memory only (--ephemeral); nothing restored"
    reconciled = finished.get("reconciled", {})
    queued = sum(reconciled.values())
    detail = ", ".join(f"{outcome.replace('_', ' ')} {count}" for outcome, count in reconciled.items())
    return (
        f"restored {restored['objects']} objects ({restored['versions']} versions, "
        f"{restored['buckets']} buckets) and {restored['items']} records ({restored['tables']} tables) "
        f"in {restored['seconds']:.2f} s; pending work: {finished.get('resubmitted', 0)} uploads without a "
        f"record submitted again, {queued} QUEUED records reconciled{f' ({detail})' if detail else ''}, "
        f"{endpoint_open} requests resumed by the endpoint"
    )
