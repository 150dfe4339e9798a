"""The DynamoDB queries the README documents, run as a user copies them (bash and the AWS CLI) against the
local stack, which refuses reserved words unaliased as DynamoDB does."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from precis import paths

README_ENDPOINT = "http://127.0.0.1:4566"


def documented_queries() -> list[str]:
    """Every `aws ... dynamodb query|scan|get-item` command in the README's shell blocks, joined across
    its backslash continuations."""
    text = paths.project_root().joinpath("README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, flags=re.DOTALL):
        joined = re.sub(r"\\\n\s*", "", block)
        for line in joined.splitlines():
            line = line.removeprefix("$ ").strip()
            if re.match(r"aws .*\bdynamodb (query|scan|get-item)\b", line):
                commands.append(line)
    return commands


def run(pipeline, command: str) -> subprocess.CompletedProcess:
    environment = pipeline.cli_environment()
    if "PYTHONPATH" in os.environ:  # the checkout under test, for `.venv/bin/precis` in the command
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        ["bash", "-c", command.replace(README_ENDPOINT, pipeline.stack.endpoint_url)],
        cwd=paths.project_root(),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_readme_documents_a_query():
    assert documented_queries(), "the README shows how to query the records with the AWS CLI"


@pytest.mark.integration
@pytest.mark.parametrize("command", documented_queries())
def test_each_documented_query_finds_the_uploaded_article(pipeline, command):
    # Given an article uploaded under incoming/news/, as the README's walkthrough does
    location = pipeline.upload(
        "incoming/news/readme-query.txt", b"Mill closes.\n\nThe old mill closed today."
    )
    pipeline.wait_for_records_at(location, "news")
    # When the user runs the documented command as written (only the port is the test stack's)
    done = run(pipeline, command)
    # Then it succeeds and lists that record
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["Items"]
    assert location in {item["input_location"]["S"] for item in items}


@pytest.mark.integration
def test_an_unaliased_reserved_word_is_refused_as_dynamodb_refuses_it(pipeline):
    # The README's query as it was: `collection` named directly in the key condition
    done = run(
        pipeline,
        f"aws --endpoint-url {README_ENDPOINT} dynamodb query --table-name {pipeline.table} "
        "--index-name by-collection --key-condition-expression 'collection = :c' "
        """--expression-attribute-values '{":c": {"S": "news"}}'""",
    )
    assert done.returncode != 0
    assert (
        "An error occurred (ValidationException) when calling the Query operation: Invalid "
        "KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: collection"
    ) in done.stderr
