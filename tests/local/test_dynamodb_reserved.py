"""Which DynamoDB expressions the local stack refuses as DynamoDB does: a reserved word used as an attribute
name without an ExpressionAttributeNames alias (the moto server answers over HTTP in
tests/integration/test_readme_queries.py)."""

from __future__ import annotations

import pytest

from precis.local.dynamodb_reserved import RESERVED_WORDS, refusal, reserved_word_in


def test_the_list_is_the_developer_guides():
    # 573 words on "Reserved words in DynamoDB", case-insensitive; precis's own attributes among them
    assert len(RESERVED_WORDS) == 573
    assert {"COLLECTION", "STATUS", "NAME", "SIZE", "KEY", "TTL", "ABORT", "ZONE"} <= RESERVED_WORDS
    assert not {"DOCUMENT_ID", "SUBMITTED_AT", "TITLE", "DISPATCH", "ATTEMPT", "SUMMARY"} & RESERVED_WORDS


@pytest.mark.parametrize(
    ("expression", "word"),
    [
        ("collection = :c", "collection"),
        ("#c = :c AND Status = :s", "Status"),
        ("a.status[0].b = :x", "status"),
        ("SET #t = :t REMOVE comment", "comment"),
        ("attribute_exists(#d) AND size(name) > :n", "name"),
        ("document_id, title, data", "data"),
    ],
)
def test_an_unaliased_reserved_word_is_found_as_written(expression, word):
    assert reserved_word_in(expression) == word


@pytest.mark.parametrize(
    "expression",
    [
        "#c = :c AND submitted_at >= :since",
        "attribute_not_exists(document_id)",
        "SET #s0 = :s0, #c0 = if_not_exists(#c0, :zero) + :one REMOVE #r0",
        "#status IN (:a, :b) OR NOT begins_with(title, :p)",
        "attempt BETWEEN :low AND :high",
        "ADD #n :one DELETE #tags :old",
    ],
)
def test_placeholders_functions_and_the_syntax_itself_are_not_names(expression):
    assert reserved_word_in(expression) is None


def test_the_refusal_is_dynamodb_s_message_for_the_first_expression_at_any_depth():
    query = {"TableName": "t", "KeyConditionExpression": "collection = :c"}
    assert refusal(query) == (
        "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: collection"
    )
    transaction = {"TransactItems": [{"Update": {"Key": {}, "UpdateExpression": "SET status = :s"}}]}
    assert refusal(transaction) == (
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"
    )
    assert refusal({"TableName": "t", "Item": {"status": {"S": "QUEUED"}}}) is None
