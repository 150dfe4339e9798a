"""ReconcileFunction's sweep for uploads whose S3 event was lost (issue 19): every upload ends in a record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from precis_core import composition
from precis_core.domain.function_settings import ReconcileSettings, SummarizerEndpointSettings
from precis_core.domain.ids import document_id
from precis_core.domain.models import Status

ARTICLE = b"The council approved the budget on Tuesday. It funds two new schools. Work starts in May.\n" * 5


def test_uploads_whose_event_was_lost_are_submitted_once(
    reconcile_handler,
    submit_handler,
    upload,
    store,
    names,
    events,
    lambda_context,
    endpoint_calls,
    monkeypatch,
):
    # Given three uploads under incoming/: one whose event reached the submit function, two whose events
    # were lost (for a scheduled run that looks at any age)
    monkeypatch.setenv("RECONCILE_OLDER_THAN_SECONDS", "0")
    delivered = upload("incoming/news/delivered.txt", ARTICLE)
    submit_handler(delivered, lambda_context)
    lost = [upload(f"incoming/news/lost-{n}.txt", ARTICLE) for n in range(2)]
    calls_before = len(endpoint_calls.calls)

    # When the schedule fires
    report = reconcile_handler(events("schedule.json"), lambda_context)

    # Then each lost upload has the record its event would have made, queued at the endpoint
    assert report["counts"]["submitted"] == 2
    for event in lost:
        obj = event["Records"][0]["s3"]["object"]
        record = store.get(document_id(names.input_bucket, obj["key"], obj["versionId"]))
        assert record is not None and record.status is Status.QUEUED and record.collection == "news"
    assert len(endpoint_calls.calls) == calls_before + 2
    assert {change["outcome"] for change in report["changed"]} == {"submitted"}

    # And a second run, and the lost events arriving late after all, submit nothing again
    again = reconcile_handler(events("schedule.json"), lambda_context)
    assert again["counts"]["submitted"] == 0
    for event in lost:
        submit_handler(event, lambda_context)
    assert len(endpoint_calls.calls) == calls_before + 2


def test_an_upload_younger_than_the_threshold_is_left_to_its_event(
    reconcile_handler, upload, events, lambda_context
):
    # Given an upload made just now (RECONCILE_OLDER_THAN_SECONDS is 15 minutes in env.json)
    upload("incoming/news/just-now.txt", ARTICLE)

    # When the schedule fires, Then it is not submitted: its event is still on its way
    report = reconcile_handler(events("schedule.json"), lambda_context)
    assert report["counts"]["submitted"] == 0


def test_the_sweep_is_bounded_per_run_and_resumes_where_it_stopped(upload, store, names, s3):
    # Given five uploads without a record, a folder marker, and a sweep of two keys per run
    for n in range(5):
        upload(f"incoming/batch/{n}.txt", ARTICLE)
    s3.put_object(Bucket=names.input_bucket, Key="incoming/batch/", Body=b"")
    settings = _settings(names)
    sweep = composition.upload_sweep(
        store,
        composition.dispatcher(store, settings.endpoint, boto3.client, time_scale=settings.time_scale),
        settings,
        boto3.client,
    )
    sweep.keys_per_run = 2
    now = datetime.now(UTC) + timedelta(hours=1)

    # When it runs four times
    runs = [sweep.sweep(now, timedelta(0)) for _ in range(4)]

    # Then the runs walk the prefix two keys at a time and start over at its end, submitting each upload once
    assert [(r.started_after, r.listed) for r in runs] == [
        ("", 2),
        ("incoming/batch/0.txt", 2),
        ("incoming/batch/2.txt", 2),
        ("", 2),
    ]
    assert [len(r.submitted) for r in runs] == [1, 2, 2, 0]  # the marker sorts first and is skipped
    # And the second pass only lists what the first, finished without an error, has checked
    assert [r.checked for r in runs] == [1, 2, 2, 0]
    assert [r.submitted[0].key for r in runs[:1]] == ["incoming/batch/0.txt"]
    assert runs[2].next_after == ""
    for n in range(5):
        record = store.get(document_id(names.input_bucket, f"incoming/batch/{n}.txt", _version(s3, names, n)))
        assert record.status is Status.QUEUED and record.output_location


def _version(s3, names, n: int) -> str:
    return s3.head_object(Bucket=names.input_bucket, Key=f"incoming/batch/{n}.txt")["VersionId"]


def test_a_run_reads_a_bounded_number_of_uploads_and_the_next_reads_on(upload, store, names, s3):
    # Given five uploads without a record and a sweep that reads two uploads per run (of a 1,000-key page)
    for n in range(5):
        upload(f"incoming/bounded/{n}.txt", ARTICLE)
    settings = _settings(names)
    sweep = composition.upload_sweep(
        store,
        composition.dispatcher(store, settings.endpoint, boto3.client, time_scale=settings.time_scale),
        settings,
        boto3.client,
    )
    sweep.checks_per_run = 2
    now = datetime.now(UTC) + timedelta(hours=1)

    # When it runs three times
    runs = [sweep.sweep(now, timedelta(0)) for _ in range(3)]

    # Then each run read two, then one, starting after the last one the run before read
    assert [r.checked for r in runs] == [2, 2, 1]
    assert [r.started_after for r in runs] == ["", "incoming/bounded/1.txt", "incoming/bounded/3.txt"]
    assert sum(len(r.submitted) for r in runs) == 5


def _settings(names) -> ReconcileSettings:
    return ReconcileSettings(
        summaries_table=names.table,
        endpoint=SummarizerEndpointSettings(names.endpoint, 21600, 900),
        output_path=f"s3://{names.output_bucket}/async-output/",
        failure_path=f"s3://{names.output_bucket}/async-failures/",
        input_bucket=names.input_bucket,
    )
