"""The bundled sample articles through the local stack as `make demo` sends them: every supported format,
each record titled the way the submit function reads titles, each summary plain text."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from precis.cli import demo
from precis.samples import sample_files

pytestmark = pytest.mark.integration

TITLES = {
    # <title> of an HTML page
    "clinical-trial-kestrel-hf.html": (
        "KESTREL-HF: once-weekly lumerostat in heart failure with preserved ejection fraction"
    ),
    # the first level-1 heading of Markdown
    "equity-note-halvorsen-grid.md": (
        "Halvorsen Grid Systems: the transformer backlog turns into margin, upgrade to Buy"
    ),
    # the "title" field of JSON
    "market-study-heat-pumps.json": (
        "Residential heat pumps in five northern European markets: buyers, installers and prices, 2026"
    ),
    "news-brackwater-mill-closure.html": "Brackwater paper mill to close with the loss of 640 jobs",
    # the first line of plain text
    "public-health-bulletin-measles.txt": (
        "Measles outbreak in Larkfield district: weekly public-health bulletin, week 14"
    ),
    "technical-paper-retail-nowcasting.txt": (
        "Nowcasting regional retail sales from card transactions with a mixed-frequency factor model"
    ),
    # the document's own properties (PDF information dictionary, Word core properties), read by the endpoint
    "field-report-cold-chain-sensors.pdf": (
        "Cold-chain sensors in regional pharmacy deliveries: a twelve-month field report"
    ),
    "briefing-harbour-district-flood-barrier.docx": "Harbour district flood barrier: options for the council",
}
_MARKUP = re.compile(r"<[a-zA-Z/!]|\*\*|\]\(|^#|\n[-*] |\n\d+\. |&[a-z]+;")


def test_every_sample_is_summarized_under_its_title_as_plain_text(pipeline) -> None:
    # Given the sample articles, at least one of each supported type
    files = sample_files()
    assert {path.suffix for path in files} >= {".txt", ".md", ".html", ".json", ".pdf", ".docx"}

    # When the demo uploads them and follows their records
    tracked = demo.upload_samples(pipeline.stack, files)
    pipeline.wait_until(
        lambda: demo.refresh(pipeline.stack, tracked, pipeline.dynamodb) or all(t.done for t in tracked),
        "every sample COMPLETED or FAILED",
    )

    # Then every one is COMPLETED under the title its format gives it
    assert {t.path.name: t.status for t in tracked} == dict.fromkeys(TITLES, "COMPLETED")
    assert {t.path.name: t.title for t in tracked} == TITLES
    # And each summary is a few whole sentences of plain text, far shorter than its article
    for item in tracked:
        summary = item.record["summary"]
        assert not _MARKUP.search(summary), (item.path.name, summary)
        assert summary.endswith((".", "!", "?", '"', "”", "’")), (item.path.name, summary)
        assert 40 <= item.record["words_out"] <= item.record["words_in"] // 4
    # And the demo's table shows the titles with the file names under them
    console = Console(record=True, width=400)
    console.print(demo.results_table(tracked))
    table = console.export_text()
    for name, title in TITLES.items():
        assert title in table and name in table
    assert "summaries written by the offline extractive engine" in table
