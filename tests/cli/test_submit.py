"""`precis submit`: files, folders and JSONL go to incoming/<collection>/ under the submit function's ids."""

from __future__ import annotations

import functools
import json

from precis_core.domain.ids import document_id, timestamp
from precis_core.domain.models import InferenceResult, Status, SummaryRecord

from precis.cli import console
from precis.cli import submit as submit_module
from precis.cli.follow import follow

BUCKET = "precis-test-input"


def test_submit_uploads_files_folders_and_jsonl_lines(stack, cli, client, tmp_path):
    # Given a folder with a .txt, a .md, a two-line JSONL and a TIFF scan, plus one file named directly
    folder = tmp_path / "batch"
    (folder / "deep").mkdir(parents=True)
    (folder / "a.txt").write_text("Alpha\n\nThe first article.")
    (folder / "deep" / "b.md").write_text("# Beta\n\nThe second article.")
    (folder / "wire.jsonl").write_text(
        '{"title": "One", "text": "First line."}\n\n{"text": "Second line."}\n'
    )
    (folder / "scan.tiff").write_bytes(b"II*\x00")
    # what is not an article in a folder: its README, hidden files and folders
    (folder / "README.md").write_text("# About this folder")
    (folder / ".notes.txt").write_text("private")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD.txt").write_text("ref")
    single = tmp_path / "page.html"
    single.write_text("<html><title>Gamma</title><p>Third.</p></html>")

    # When the user submits the folder and the file to the "news" collection
    result = cli("submit", str(folder), str(single), "--collection", "news", "--stack", stack, "--json")

    # Then each article is one object under incoming/news/, reported with the version uploaded
    assert result.exit_code == 0, result.output
    submitted = json.loads(result.stdout)
    s3 = client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="incoming/")["Contents"])
    assert keys == [
        "incoming/news/a.txt",
        "incoming/news/deep-b.md",
        "incoming/news/page.html",
        "incoming/news/wire-00001-one.json",
        "incoming/news/wire-00003.json",
    ]
    # a dataset line becomes the request the endpoint takes, its metadata kept; its title names the key
    assert json.loads(
        s3.get_object(Bucket=BUCKET, Key="incoming/news/wire-00001-one.json")["Body"].read()
    ) == {"title": "One", "text": "First line."}
    for item in submitted:
        key = item["location"].removeprefix(f"s3://{BUCKET}/")
        assert item["version"] == s3.head_object(Bucket=BUCKET, Key=key)["VersionId"]
        assert item["document_id"] == document_id(BUCKET, key, item["version"])
    # (rich wraps stderr at 80 columns, inside a long tmp path too: the line is read unwrapped)
    skipped = result.stderr.replace("\n", "")
    assert "skipped" in skipped and "scan.tiff" in skipped


def test_submit_refuses_a_bad_jsonl_line_before_uploading_anything(stack, cli, client, tmp_path):
    articles = tmp_path / "wire.jsonl"
    articles.write_text('{"text": "fine"}\n["not", "an", "object"]\n')

    result = cli("submit", str(articles), "--stack", stack)

    assert result.exit_code == 2
    assert "wire.jsonl:2: each line must be one JSON object" in result.output
    assert client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_submit_of_a_missing_path_or_unsupported_file_is_a_usage_error(stack, cli, tmp_path):
    (tmp_path / "scan.tiff").write_bytes(b"II*\x00")

    missing = cli("submit", str(tmp_path / "nope.txt"), "--stack", stack)
    unsupported = cli("submit", str(tmp_path / "scan.tiff"), "--stack", stack)

    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    assert unsupported.exit_code == 2 and "unsupported file type" in unsupported.output


def test_submit_rejects_a_collection_that_is_not_one_folder(stack, cli, tmp_path):
    (tmp_path / "a.txt").write_text("text")

    result = cli("submit", str(tmp_path / "a.txt"), "--collection", "../etc", "--stack", stack)

    assert result.exit_code == 2


def test_submit_to_an_unknown_stack(aws, cli, tmp_path):
    (tmp_path / "a.txt").write_text("text")

    result = cli("submit", str(tmp_path / "a.txt"), "--stack", "nope")

    assert result.exit_code == 1
    assert "stack nope not found" in result.output


def _queued(store, name: str) -> SummaryRecord:
    doc = document_id(BUCKET, f"incoming/news/{name}.txt", "v1")
    record = SummaryRecord(
        document_id=doc,
        status=Status.QUEUED,
        inference_id=f"{doc}-1",
        attempt=1,
        input_location=f"s3://{BUCKET}/incoming/news/{name}.txt",
        collection="news",
        submitted_at=timestamp(),
        title=name,
    )
    assert store.put_queued(record)
    return record


def test_follow_waits_until_every_document_is_settled(store, capsys, monkeypatch):
    # Given a terminal with room for every column, and two queued documents that the record function
    # settles while we poll
    monkeypatch.setattr(console.console, "width", 160)
    done, broken = _queued(store, "done"), _queued(store, "broken")
    result = InferenceResult(
        summary="Short.", model="m", engine="extractive", words_in=10, words_out=1, chunks=1
    )
    settle = iter(
        [
            lambda: store.complete(
                done.document_id,
                done.inference_id,
                result=result,
                output_location="s3://o/x",
                completed_at=timestamp(),
                latency_ms=1200,
                attempts=[],
            ),
            lambda: store.fail(
                broken.document_id,
                broken.inference_id,
                reason="bad input",
                completed_at=timestamp(),
                latency_ms=10,
                attempts=[],
            ),
        ]
    )

    # When following them (each poll pause lets one settle)
    ok = follow(store, [done.document_id, broken.document_id], sleep=lambda _: next(settle)())

    # Then it returns once both settled, False because one failed, and shows both outcomes
    shown = capsys.readouterr().out
    assert ok is False
    assert "COMPLETED" in shown and "10 → 1" in shown
    assert "FAILED" in shown and "bad input" in shown


def test_follow_gives_up_at_the_timeout(store, capsys):
    waiting = _queued(store, "slow")
    ticks = iter(range(0, 100, 30))

    ok = follow(store, [waiting.document_id], timeout=60, sleep=lambda _: None, clock=lambda: next(ticks))

    assert ok is False
    assert "1 still QUEUED" in capsys.readouterr().out


def test_submit_without_wait_prints_the_document_id_not_the_version(
    stack, cli, client, tmp_path, monkeypatch
):
    monkeypatch.setattr(console.console, "width", 200)
    article = tmp_path / "note.txt"
    article.write_text("Note\n\nA short note about the harbour.")

    result = cli("submit", str(article), "--collection", "news", "--stack", stack)

    assert result.exit_code == 0, result.output
    version = client("s3").head_object(Bucket=BUCKET, Key="incoming/news/note.txt")["VersionId"]
    assert document_id(BUCKET, "incoming/news/note.txt", version) in result.output
    assert version not in result.output


def test_ctrl_c_while_waiting_says_the_uploads_go_on_and_how_to_follow_them(
    stack, cli, tmp_path, monkeypatch
):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{name}\n\nA short article about {name}.")

    def pressed_ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt

    # the user presses Ctrl-C while --wait pauses between polls (the real follow, its pause injected)
    monkeypatch.setattr(submit_module, "follow", functools.partial(follow, sleep=pressed_ctrl_c))
    result = cli("submit", str(tmp_path), "--collection", "news", "--wait", "--stack", stack)

    assert result.exit_code == 130
    assert "2 article(s) were uploaded and go on being processed" in result.stderr
    assert "precis list --collection news" in result.stderr
