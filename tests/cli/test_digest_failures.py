"""`precis digest` lists the period's failed documents of the collection, read from the stack's table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
from precis_core.domain.ids import timestamp
from precis_core.domain.models import Status


def _empty_summaries(path) -> str:
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE summaries (document_id VARCHAR, collection VARCHAR, title VARCHAR, "
            "published TIMESTAMP, submitted_at TIMESTAMP, completed_at TIMESTAMP, status VARCHAR, "
            "summary VARCHAR, "
            "key_phrases VARCHAR[], entities STRUCT(text VARCHAR, type VARCHAR)[])"
        )
    return str(path)


def test_digest_lists_failures_needing_action(seed, cli, stack, tmp_path):
    # Given a failure this week in the collection, an older one, and one in another collection
    recent = timestamp(datetime.now(UTC) - timedelta(hours=2))
    failed = seed("bad-scan", status=Status.FAILED, reason="not UTF-8 text", submitted_at=recent)
    seed("old-scan", status=Status.FAILED, submitted_at=timestamp(datetime.now(UTC) - timedelta(days=9)))
    seed("elsewhere", status=Status.FAILED, collection="other", submitted_at=recent)

    # When the digest of the week is asked for
    result = cli(
        "digest",
        "--collection",
        "news",
        "--duckdb",
        _empty_summaries(tmp_path / "s.duckdb"),
        "--stack",
        stack,
    )

    # Then only this week's failure of the collection is listed, with its reason
    assert result.exit_code == 0, result.output
    failures = result.output.split("## Failures needing action")[1]
    assert f"**Bad Scan**: {failed.document_id}: not UTF\\-8 text" not in failures  # '-' is not escaped
    assert f"**Bad Scan**: {failed.document_id}: not UTF-8 text" in failures
    assert "Old Scan" not in failures and "Elsewhere" not in failures
    assert "0 summaries" in result.output and "1 failed" in result.output
