"""`precis ui`'s pages over the records: collections, a collection's documents, one document, retry,
upload and the original; and the guards (Host, token, Origin, CSP, escaping, sizes).

The app runs on the test stack's real clients (moto), through Flask's test client at the address the
server would have.
"""

from __future__ import annotations

import io
import re
import socket

import pytest
from precis_core.domain.models import Status

from precis.cli.resources import choose_target, describe
from precis.ui.analysis import Analysis
from precis.ui.app import create_app
from precis.ui.library import PAGE_SIZE, Library, encode_cursor
from precis.ui.security import CONTENT_SECURITY_POLICY, TOKEN_HEADER
from precis.ui.server import address, reading_room

PORT = 8765
OWN = f"http://127.0.0.1:{PORT}"
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def library(stack) -> Library:
    return Library(describe(choose_target(stack, None, "us-east-1")))


@pytest.fixture
def app(library, tmp_path):
    app = create_app(library, Analysis(library.resources, library, tmp_path), port=PORT)
    app.testing = True
    return app


@pytest.fixture
def browser(app):
    return app.test_client()


def get(browser, path: str, **headers):
    return browser.get(path, base_url=OWN, headers=headers)


def post(browser, path: str, app, *, token: bool = True, origin: str | None = OWN, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers[TOKEN_HEADER] = app.config["PRECIS_TOKEN"]
    if origin:
        headers["Origin"] = origin
    return browser.post(path, base_url=OWN, headers=headers, **kwargs)


def test_collections_list_counts_by_status_and_the_newest_date(seed, browser):
    seed("one", collection="news", submitted_at="2026-11-20T08:00:00.000Z")
    seed("two", collection="news", status=Status.FAILED, submitted_at="2026-11-24T09:30:00.000Z")
    seed("three", collection="filings", status=Status.QUEUED)

    page = get(browser, "/")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    news = re.search(r'href="/collections/news">news</a>(.*?)</tr>', text, re.S).group(1)
    assert re.findall(r">(\d+)</td>", news) == ["2", "1", "0", "1"]  # total, completed, queued, failed
    assert "2026-11-24 09:30" in news
    assert 'href="/collections/filings"' in text


def test_a_collection_lists_newest_first_a_page_at_a_time(seed, browser):
    for n in range(PAGE_SIZE + 1):
        seed(f"doc-{n:03d}", submitted_at=f"2026-11-24T10:{n // 60:02d}:{n % 60:02d}.000Z")

    first = get(browser, "/collections/news").get_data(as_text=True)
    titles = re.findall(r">(Doc \d+)</a>", first)
    assert titles[:2] == [f"Doc {PAGE_SIZE:03d}", f"Doc {PAGE_SIZE - 1:03d}"]
    assert len(titles) == PAGE_SIZE
    older = re.search(r'href="(/collections/news\?after=[^"]+)" data-next', first).group(1)

    second = get(browser, older.replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r">(Doc \d+)</a>", second) == ["Doc 000"]
    assert "data-next" not in second


def test_a_damaged_or_foreign_page_link_is_refused(seed, browser):
    seed("one")
    assert get(browser, "/collections/news?after=not-a-cursor").status_code == 400
    foreign = get(browser, "/collections/other?after=" + _cursor_of(browser))
    assert foreign.status_code == 400
    assert "not one of this collection" in foreign.get_data(as_text=True)


def _cursor_of(browser) -> str:
    return encode_cursor(
        {"document_id": {"S": "a" * 32}, "collection": {"S": "news"}, "submitted_at": {"S": "2026"}}
    )


def test_user_text_is_escaped_everywhere(seed, browser):
    hostile = seed("evil", title=HOSTILE, summary=f"Summary {HOSTILE}", collection="news")

    for path in ("/", "/collections/news", f"/documents/{hostile.document_id}"):
        text = get(browser, path).get_data(as_text=True)
        assert "<script>alert" not in text, path
    assert "&lt;script&gt;alert" in get(browser, f"/documents/{hostile.document_id}").get_data(as_text=True)


def test_a_document_shows_its_summary_and_metadata(seed, browser, store, client):
    done = seed("budget", summary="The council passed the budget.", words_in=812, words_out=41)
    client("dynamodb").update_item(
        TableName="precis-test-summaries",
        Key={"document_id": {"S": done.document_id}},
        UpdateExpression="SET key_phrases = :k, entities = :e",
        ExpressionAttributeValues={
            ":k": {"L": [{"S": "city budget"}]},
            ":e": {"L": [{"M": {"text": {"S": "Oslo Council"}, "type": {"S": "ORG"}}}]},
        },
    )

    text = get(browser, f"/documents/{done.document_id}").get_data(as_text=True)

    assert "The council passed the budget." in text
    assert "812 → 41" in text
    assert "city budget" in text and "Oslo Council" in text
    assert f"/documents/{done.document_id}/original" in text
    assert "Retry" not in text


def test_a_failed_document_shows_why_and_retries_on_post(seed, browser, app, store):
    failed = seed("flaky", status=Status.FAILED, reason="model server timed out")
    page = get(browser, f"/documents/{failed.document_id}").get_data(as_text=True)
    assert "model server timed out" in page
    assert f'action="/documents/{failed.document_id}/retry"' in page

    response = post(browser, f"/documents/{failed.document_id}/retry", app)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/documents/{failed.document_id}?retried=queued")
    record = store.get(failed.document_id)
    assert (record.status, record.attempt) == (Status.QUEUED, 2)


def test_a_retry_of_a_queued_document_says_why_not(seed, browser, app, store):
    waiting = seed("waiting", status=Status.QUEUED)
    response = post(browser, f"/documents/{waiting.document_id}/retry", app)
    assert response.status_code == 409
    assert "Not retried" in response.get_data(as_text=True)
    assert store.get(waiting.document_id).attempt == 1


@pytest.mark.parametrize(
    ("token", "origin", "extra"),
    [
        (False, OWN, {}),  # no token
        (True, "http://evil.example", {}),  # a foreign page posting with a stolen token
        (True, None, {"Sec-Fetch-Site": "cross-site"}),
    ],
)
def test_state_changes_need_the_token_and_this_origin(seed, browser, app, store, token, origin, extra):
    failed = seed("flaky", status=Status.FAILED)
    response = post(
        browser, f"/documents/{failed.document_id}/retry", app, token=token, origin=origin, headers=extra
    )
    assert response.status_code == 403
    assert store.get(failed.document_id).attempt == 1


def test_a_wrong_host_is_refused(browser):
    # A rebinding attack: a foreign name resolved to 127.0.0.1 sends that name as Host.
    response = browser.get("/", base_url=f"http://evil.example:{PORT}")
    assert response.status_code == 421
    assert browser.get("/", base_url=f"http://127.0.0.1:{PORT + 1}").status_code == 421
    assert get(browser, "/").status_code == 200
    assert browser.get("/", base_url=f"http://localhost:{PORT}").status_code == 200


def test_every_answer_carries_the_content_security_policy(seed, browser):
    for path in ("/", "/collections/news", "/static/app.js", "/no-such-page"):
        response = get(browser, path)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = get(browser, "/").get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page  # nothing inline for the CSP to refuse
    assert "Set-Cookie" not in get(browser, "/").headers  # no session to steal
    assert "testing" not in page  # the AWS credentials (AWS_SECRET_ACCESS_KEY=testing here) never reach it


def test_upload_puts_the_file_under_incoming_collection(browser, app, client):
    data = {"file": (_bytes_io(b"Council news\n\nThe council met."), "council.txt")}
    response = post(
        browser, "/collections/news/upload", app, data=data, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    [uploaded] = response.get_json()
    assert uploaded["key"] == "incoming/news/council.txt"
    assert len(uploaded["document_ids"]) == 2  # by version and by ETag, as precis submit follows them
    body = client("s3").get_object(Bucket="precis-test-input", Key="incoming/news/council.txt")["Body"]
    assert body.read() == b"Council news\n\nThe council met."
    assert (
        client("s3").head_object(Bucket="precis-test-input", Key="incoming/news/council.txt")["ContentType"]
        == "text/plain"
    )


@pytest.mark.parametrize(
    ("collection", "name", "body", "status", "says"),
    [
        ("news", "../escape.txt", b"text", 400, "cannot be a file name"),
        ("news", "notes.exe", b"text", 400, "unsupported file type"),
        ("news", "empty.txt", b"", 400, "is empty"),
        ("bad name!", "a.txt", b"text", 400, "not a collection name"),
        ("news", "big.txt", b"x" * 1_048_577, 400, "at most 1,048,576"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    browser, app, client, collection, name, body, status, says
):
    response = post(
        browser,
        f"/collections/{collection}/upload",
        app,
        data={"file": (_bytes_io(body), name)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == status
    assert says in response.get_json()["error"]
    assert client("s3").list_objects_v2(Bucket="precis-test-input").get("KeyCount", 0) == 0


def test_a_body_far_over_the_limit_is_cut_off_before_it_is_read(browser, app, client):
    big = b"x" * (1_048_576 + 200_000)
    response = post(browser, "/collections/news/upload", app, data={"file": (_bytes_io(big), "big.txt")})
    assert response.status_code == 413
    assert "1,048,576" in response.get_data(as_text=True)


def test_the_original_comes_back_as_a_plain_text_download(seed, browser):
    done = seed("report")
    response = get(browser, f"/documents/{done.document_id}/original")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.txt.txt"'
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.get_data().startswith(b"report")


def test_live_status_answers_for_the_ids_asked(seed, browser):
    done = seed("done")
    waiting = seed("waiting", status=Status.QUEUED)
    response = get(browser, f"/api/status?ids={done.document_id},{waiting.document_id},{'0' * 32}")
    assert response.get_json() == {done.document_id: "COMPLETED", waiting.document_id: "QUEUED"}
    assert get(browser, "/api/status?ids=../etc").status_code == 400


def test_unknown_and_malformed_documents(browser, stack):
    assert get(browser, f"/documents/{'0' * 32}").status_code == 404
    assert get(browser, "/documents/nope").status_code == 400


def test_the_listing_is_a_query_on_the_collection_index_never_a_scan(seed, library, monkeypatch):
    seed("one")
    calls = []
    dynamodb = library.dynamodb
    for name in ("scan", "query"):
        original = getattr(dynamodb, name)
        monkeypatch.setattr(
            dynamodb,
            name,
            lambda *a, _o=original, _n=name, **k: calls.append((_n, k.get("IndexName"))) or _o(*a, **k),
        )
    library.documents("news")
    library.collections()
    assert calls and all(call == ("query", "by-collection") for call in calls)


def _bytes_io(body: bytes) -> io.BytesIO:
    return io.BytesIO(body)


def test_precis_ui_says_clearly_when_its_port_is_taken(stack, cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("ui", "--stack", stack, "--port", str(port))
    assert result.exit_code == 1
    assert f"Port {port} is in use" in result.output


def test_the_server_listens_on_loopback_only(library, tmp_path):
    server = reading_room(library.resources, 0, tmp_path)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert address(server) == f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.server_close()
