"""A Query on a secondary index, answered from the index's own items (precis.local.indexed_query), gives
moto's own answer exactly: random workloads of writes and paginated Queries (tests/local/index_workload.py)
compared step by step with moto's unpatched Query, in-process and through the stack's moto server over
HTTP across a restart from its data directory; what the path does not cover is moto's own."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from index_workload import TABLES, Step, Workload, run
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from precis.local import indexed_query
from precis.local.persistence import entities
from precis.local.ports import free_port_pair

REGION = "us-east-1"
FALLBACK = f"{indexed_query.NOTE}a Query answered by moto's own path"


def _client(url: str | None = None) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def _in_process(steps: list[Step], *, indexed: bool) -> list[Any]:
    with mock_aws():
        undo = indexed_query.install() if indexed else (lambda: None)
        try:
            client = _client()
            return [run(client, step) for step in steps]
        finally:
            undo()


def _differences(steps: list[Step], ours: list[Any], moto_s: list[Any]) -> list[str]:
    return [
        f"{step.operation} {step.request}: {mine!r:.600} != {theirs!r:.600}"
        for step, mine, theirs in zip(steps, ours, moto_s, strict=True)
        if mine != theirs
    ]


def test_this_moto_is_the_one_the_indexed_query_was_checked_against() -> None:
    # Upgrading moto turns the indexed path off (the server says so): check it against the new moto first.
    assert indexed_query.incompatibility() is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_workloads_get_moto_s_answers(seed: int) -> None:
    # Given a random workload: tables with global and local indexes, writes of every kind moving items
    # between partitions and out of indexes, Queries paginated through every page
    workload = Workload(seed, items=150)
    steps = workload.load() + [step for _ in range(3) for step in workload.wave()]
    # When it runs on moto with the indexed path, and on moto without
    indexed_query.stats.clear()
    ours = _in_process(steps, indexed=True)
    pages = sum(
        1 for answer in ours if isinstance(answer, list) for page in answer if "Count" in (page or {})
    )
    answered = dict(indexed_query.stats)
    moto_s = _in_process(steps, indexed=False)
    # Then every answer is moto's, and the indexed path answered every Query
    assert _differences(steps, ours, moto_s) == []
    assert answered == {"indexed": pages}
    assert pages > 300


@contextmanager
def _docs_table(items: list[dict[str, Any]]) -> Iterator[Any]:
    with mock_aws():
        client = _client()
        client.create_table(**TABLES[0])
        for item in items:
            client.put_item(TableName="docs", Item=item)
        yield client


def _doc(number: int, coll: Any, at: str) -> dict[str, Any]:
    return {"id": {"S": f"d{number}"}, "coll": coll, "at": {"S": at}, "title": {"S": "t"}}


def _by_coll(client: Any, **request: Any) -> Any:
    request = {
        "TableName": "docs",
        "IndexName": "by-coll",
        "KeyConditionExpression": "#c = :c",
        "ExpressionAttributeNames": {"#c": "coll"},
        "ExpressionAttributeValues": {":c": {"S": "b"}},
    } | request
    return run(client, Step("query_pages", request))


def _both(client: Any, ask: Callable[[Any], Any]) -> tuple[Any, Any]:
    """ask(client)'s answer by the indexed path and by moto's own, on the same data."""
    undo = indexed_query.install()
    try:
        ours = ask(client)
    finally:
        undo()
    return ours, ask(client)


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("start_in", ["a", "c"])
def test_a_start_key_of_another_partition_is_walked_from_as_moto_walks(forward: bool, start_in: str) -> None:
    # Given two partitions of an index
    items = [_doc(n, {"S": "abc"[n % 3]}, f"2026-01-{n % 7:02d}") for n in range(30)]
    with _docs_table(items) as client:
        # When a Query of partition "b" starts after a key of another partition, either way
        start = {"id": {"S": "d0"}, "coll": {"S": start_in}, "at": {"S": "2026-01-03"}}

        def ask(client: Any) -> Any:
            return _by_coll(client, ExclusiveStartKey=start, ScanIndexForward=forward, Limit=4)

        ours, moto_s = _both(client, ask)
    # Then the answer is moto's (all of the partition, or none of it)
    assert ours == moto_s


def test_a_page_near_1_mb_ends_at_an_item_past_the_key_condition_as_moto_s_does() -> None:
    # Given a partition of five 130 KB items, then on either side of them a small item and a 390 KB one
    items = [_doc(n, {"S": "b"}, f"2026-01-0{n}") | {"body": {"S": "w" * 130_000}} for n in range(1, 6)]
    items += [_doc(7, {"S": "b"}, "2025-06"), _doc(8, {"S": "b"}, "2026-03")]
    items += [
        _doc(n, {"S": "b"}, at) | {"body": {"S": "w" * 390_000}} for n, at in [(0, "2025"), (9, "2027")]
    ]
    with _docs_table(items) as client:
        # When the five are asked for (650 KB), forwards and backwards, by their sort key
        def ask(client: Any) -> Any:
            return [
                _by_coll(
                    client,
                    KeyConditionExpression="#c = :c AND #a BETWEEN :a AND :b",
                    ExpressionAttributeNames={"#c": "coll", "#a": "at"},
                    ExpressionAttributeValues={":c": {"S": "b"}, ":a": {"S": "2026"}, ":b": {"S": "2026-02"}},
                    ScanIndexForward=forward,
                )
                for forward in (True, False)
            ]

        ours, moto_s = _both(client, ask)
    # Then, as moto's, each first page ends there with a LastEvaluatedKey (moto's walk on past the key
    # condition meets an item that would take the page past 1 MB)
    assert ours == moto_s
    assert [[page["Count"] for page in pages] for pages in moto_s] == [[5, 0], [5, 0]]


def test_an_item_updated_through_the_table_s_arn_moves_in_the_index() -> None:
    # Given a queried index
    items = [_doc(n, {"S": "b"}, f"2026-01-{n:02d}") for n in range(1, 6)]
    with _docs_table(items) as client:
        arn = client.describe_table(TableName="docs")["Table"]["TableArn"]
        undo = indexed_query.install()
        try:
            _by_coll(client)
            # When an item is moved along the sort key by an UpdateItem naming the table by its ARN
            client.update_item(
                TableName=arn,
                Key={"id": {"S": "d1"}},
                UpdateExpression="SET #a = :a",
                ExpressionAttributeNames={"#a": "at"},
                ExpressionAttributeValues={":a": {"S": "2026-02"}},
            )
            after = _by_coll(client)
        finally:
            undo()
    # Then the index has it in its new place
    assert [item["id"]["S"] for item in after[0]["Items"]] == ["d2", "d3", "d4", "d5", "d1"]


def test_what_the_indexed_path_does_not_cover_is_moto_s_own() -> None:
    # Given items, one of which has an index key of another type than the table declares (moto takes it,
    # DynamoDB refuses it)
    items = [_doc(n, {"S": "b"}, f"2026-01-{n:02d}") for n in range(1, 9)]
    with _docs_table(items) as client:
        legacy = {
            "TableName": "docs",
            "IndexName": "by-coll",
            "KeyConditions": {"coll": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "b"}]}},
            "QueryFilter": {"title": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "t"}]}},
        }
        queries: list[Callable[[Any], Any]] = [
            lambda c: run(c, Step("query_pages", legacy)),
            lambda c: _by_coll(c, ConsistentRead=True),
            lambda c: (c.put_item(TableName="docs", Item=_doc(99, {"N": "7"}, "2026")), _by_coll(c))[1],
        ]
        indexed_query.stats.clear()
        # When each is asked by the indexed path and by moto's
        answers = [_both(client, ask) for ask in queries]
    # Then each answer is moto's, and moto's own path gave it
    assert [ours for ours, _ in answers] == [moto_s for _, moto_s in answers]
    assert "indexed" not in indexed_query.stats
    assert len(indexed_query.stats) == len(queries), indexed_query.stats


def test_items_restored_behind_moto_s_methods_are_found() -> None:
    # Given a queried index (its items read), then an item put back as the persistence restore puts it
    items = [_doc(n, {"S": "b"}, f"2026-01-{n:02d}") for n in range(1, 6)]
    with _docs_table(items) as client:
        undo = indexed_query.install()
        try:
            before = _by_coll(client)
            restored = {"id": {"S": "d9"}, "coll": {"S": "b"}, "at": {"S": "2026-01-03x"}}
            entities.apply(("item", DEFAULT_ACCOUNT_ID, REGION, "docs", "[]"), restored)
            # When the index is queried again
            after = _by_coll(client)
        finally:
            undo()
    # Then the restored item is in its place
    assert [item["id"]["S"] for item in before[0]["Items"]] == ["d1", "d2", "d3", "d4", "d5"]
    assert [item["id"]["S"] for item in after[0]["Items"]] == ["d1", "d2", "d3", "d9", "d4", "d5"]


@contextmanager
def _plain_moto(log: Path) -> Iterator[str]:
    """moto's own server (`python -m moto.server`): moto's unpatched answers over HTTP."""
    port = free_port_pair()
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
        while True:
            try:
                _client(url).list_tables()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_stack_s_moto_server_answers_as_moto_does_across_a_restart(
    tmp_path: Path, moto_server_process
) -> None:
    # Given the stack's moto server on a data directory and moto's own server, and a workload whose
    # end puts an item with an index key of another type than declared (moto's own path answers then)
    workload = Workload(7, items=100)
    halves = [workload.load() + workload.wave() + workload.wave(), workload.wave() + workload.wave()]
    odd = {"TableName": "docs", "Item": {"id": {"S": "odd"}, "coll": {"N": "7"}, "at": {"S": "2026"}}}
    by_coll = {"TableName": "docs", "IndexName": "by-coll", "KeyConditionExpression": "#c = :c"}
    by_coll |= {"ExpressionAttributeNames": {"#c": "coll"}, "ExpressionAttributeValues": {":c": {"S": "a"}}}
    end = [Step("put_item", odd), Step("query_pages", by_coll)]
    log, data = tmp_path / "moto.log", tmp_path / "data"
    differences = []
    with _plain_moto(tmp_path / "plain.log") as plain_url:
        plain = _client(plain_url)
        # When both run it, the stack's server restarted from its data directory halfway
        for steps in halves:
            with moto_server_process(log, "--data-dir", str(data)) as (url, _):
                ours = [run(_client(url), step) for step in steps]
                before_the_end = log.read_text()
                if steps is halves[-1]:
                    ours += [run(_client(url), step) for step in end]
                    steps = steps + end
            differences += _differences(steps, ours, [run(plain, step) for step in steps])
    # Then every answer is the same; the stack's server answered every Query by the indexed path until the
    # odd item, then by moto's own
    assert differences == []
    assert FALLBACK not in before_the_end
    assert f"{FALLBACK}: an item whose index key is of another type than declared" in log.read_text()
