"""The reading room in a real browser (Debian's headless Chromium) against the running local stack:
upload two files through the page, watch them reach COMPLETED, open one, search for it, view trends.

The browser comes from the system's packages (`.ci/run` installs chromium and chromium-driver when
they are missing); the test is skipped only when they are not there, and says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from precis.cli.resources import choose_target, describe
from precis.template.resolver import local_outputs
from precis.ui import headless
from precis.ui.server import serving

WAIT_SECONDS = 120.0  # as the stack's other tests: a liveness guard, not a speed figure

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(headless.missing() is not None, reason=f"no browser: {headless.missing()}"),
]


@pytest.fixture(scope="module")
def room(local_stack, tmp_path_factory) -> Iterator[str]:
    """The reading room over the local stack, on a free port."""
    resources = describe(choose_target(None, local_stack.endpoint_url, None))
    with serving(resources, tmp_path_factory.mktemp("reading-room")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with headless.chromium() as driver:
        yield driver


ROWS = """return Array.from(document.querySelectorAll('tbody[data-rows] tr[data-id]')).map(row => ({
  status: row.dataset.status,
  title: row.querySelector('a').textContent,
  href: row.querySelector('a').href,
}));"""


@dataclass(frozen=True)
class Uploaded:
    collection: str
    pages: dict[str, str]  # title -> the document's page


@pytest.fixture(scope="module")
def uploaded(room, browser, pipeline, tmp_path_factory) -> Uploaded:
    """Two articles dropped into a new collection through the page's file picker, followed to the end
    by the page's own live status."""
    collection = pipeline.new_collection("reading")
    folder = tmp_path_factory.mktemp("articles")
    files = []
    for n, (title, text) in enumerate(pipeline.articles(2)):
        path = folder / f"article-{n}.txt"
        path.write_text(f"{title}\n\n{text}", encoding="utf-8")
        files.append(path)
    browser.get(f"{room}collections/{collection}")
    assert "No documents yet" in browser.page_source
    picker = browser.find_element(By.CSS_SELECTOR, "input[type=file][data-file-input]")
    picker.send_keys("\n".join(str(path) for path in files))

    def completed(driver: WebDriver) -> list[dict]:
        # One snapshot in the page: the live refresh replaces the rows while they are read.
        rows = driver.execute_script(ROWS)
        statuses = [row["status"] for row in rows]
        assert "FAILED" not in statuses, rows
        return rows if len(rows) == 2 and set(statuses) == {"COMPLETED"} else []

    rows = WebDriverWait(browser, WAIT_SECONDS, poll_frequency=0.5).until(completed)
    uploads = WebDriverWait(browser, 10).until(
        lambda driver: (
            (text := driver.find_element(By.CSS_SELECTOR, "[data-upload-list]").text).count("COMPLETED") == 2
            and text
        )
    )
    assert "article-0.txt: COMPLETED" in uploads and "article-1.txt: COMPLETED" in uploads
    return Uploaded(collection, {row["title"]: row["href"] for row in rows})


def test_two_uploads_through_the_page_reach_completed_and_read(uploaded, browser, pipeline):
    records = pipeline.records(uploaded.collection)
    assert sorted(r["status"] for r in records) == ["COMPLETED", "COMPLETED"]
    assert {r["input_location"].rsplit("/", 1)[1] for r in records} == {"article-0.txt", "article-1.txt"}

    title, url = sorted(uploaded.pages.items())[0]
    browser.get(url)
    summary = browser.find_element(By.CSS_SELECTOR, "section.summary").text
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    assert len(summary.split()) > 20
    assert browser.find_element(By.CSS_SELECTOR, "[data-live-status]").text == "COMPLETED"


def test_a_file_over_the_limit_is_refused_before_sending(room, browser, pipeline, tmp_path):
    collection = pipeline.new_collection("too-big")
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (10_485_760 // 5 + 1))  # one byte over the template's MaxInputBytes
    browser.get(f"{room}collections/{collection}")
    browser.find_element(By.CSS_SELECTOR, "input[type=file][data-file-input]").send_keys(str(big))
    line = WebDriverWait(browser, 10).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "[data-upload-list] li.error")
    )
    assert "not sent" in line.text and "at most 10,485,760" in line.text
    keys = pipeline.s3.list_objects_v2(Bucket=pipeline.input_bucket, Prefix=f"incoming/{collection}/")
    assert keys.get("KeyCount", 0) == 0


@pytest.mark.skipif(
    "AnalyticsLocation" not in local_outputs(),
    reason="search and trends read the analytics copy (h22a's AnalyticsLocation output): runs once merged",
)
def test_search_finds_an_upload_and_trends_show(uploaded, room, browser, pipeline):
    collection = uploaded.collection
    title = sorted(uploaded.pages)[0]
    words = " ".join(title.split()[:4])

    def found(driver: WebDriver) -> bool:
        driver.get(f"{room}search?q={words}&collection={collection}")
        return title in [hit.text for hit in driver.find_elements(By.CSS_SELECTOR, "a.hit-title")]

    # The analytics copy is written from the table's stream after completion: give it its moment.
    WebDriverWait(browser, WAIT_SECONDS, poll_frequency=2).until(found)
    assert browser.find_elements(By.CSS_SELECTOR, "ol.hits mark")

    browser.get(f"{room}trends?collection={collection}&by=day")
    assert browser.find_element(By.TAG_NAME, "h1").text == f"Trends in {collection}"
    assert browser.find_element(By.CSS_SELECTOR, "svg.chart")
    digest = browser.find_element(By.CSS_SELECTOR, "section.digest").text
    assert f"Digest of {collection}" in digest and "Failures needing action" in digest
