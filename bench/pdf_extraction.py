"""PDF text extraction at the endpoint's limits: time and peak memory per page, on one core.

Usage: .venv/bin/python bench/pdf_extraction.py [--pages 1 50 500] [--runs 3] [--docx]
Each case is a text PDF of N pages laid out as a report (running header, page numbers, hyphenated line
ends; precis.document_writers) from the sample articles, read by the inference script's reader
(precis_summarizer.documents, the same call parse_request makes) in a fresh interpreter pinned to one
core. Time is the best of --runs, after a one-page warm-up (pypdf imported); peak memory is the
Python heap's peak during one more read (tracemalloc: what the reader builds). The goal: at most 50 ms
per page for a text PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from precis_summarizer.documents.limits import MAX_PDF_PAGES

from precis.document_writers import DocumentInfo, Paragraph, docx_bytes, laid_out_pdf
from precis.samples import passages

GOAL_MS_PER_PAGE = 50
_ONE_CASE = """
import json, sys, time, tracemalloc
from precis_summarizer.deadline import NO_DEADLINE
from precis_summarizer.documents import read_document
warm, body = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
kind, runs = sys.argv[3], int(sys.argv[4])
read_document(warm, kind, NO_DEADLINE)
best = float("inf")
for _ in range(runs):
    started = time.perf_counter()
    extracted = read_document(body, kind, NO_DEADLINE)
    best = min(best, time.perf_counter() - started)
tracemalloc.start()
read_document(body, kind, NO_DEADLINE)
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"seconds": best, "peak_kib": peak / 1024, "words": len(extracted.text.split())}))
"""
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def paragraphs_for(pages: int) -> list[Paragraph]:
    """About `pages` pages of report text: the sample passages repeated, a heading every few paragraphs."""
    texts = [text for _, text in passages(400)]
    blocks = [block for text in texts for block in text.split("\n\n") if len(block.split()) > 12]
    wanted = pages * 820 // 100  # ~8 paragraphs fill a page of this layout (trimmed to fit below)
    chosen = [blocks[n % len(blocks)] for n in range(max(1, wanted))]
    out: list[Paragraph] = [Paragraph("A long report for the extraction benchmark", "title")]
    for n, block in enumerate(chosen):
        if n % 6 == 0:
            out.append(Paragraph(f"Section {n // 6 + 1}", "heading"))
        out.append(Paragraph(block))
    return out


def document(pages: int, kind: str) -> bytes:
    """A report of at most `pages` pages (as many as the text fills), as a PDF or a .docx."""
    info = DocumentInfo(title="A long report", author="precis bench", created="2026-12-06")
    paragraphs = paragraphs_for(pages)
    if kind == DOCX:
        return docx_bytes(paragraphs, header="Bench report", info=info)
    while True:
        body = laid_out_pdf(paragraphs, header="Bench report - internal", info=info)
        count = body.count(b"/Type /Page ")
        if count <= pages:
            return body
        paragraphs = paragraphs[: len(paragraphs) * pages // count - 1]


def measure(pages: int, kind: str, runs: int, folder: Path) -> dict:
    warm, body = folder / "warm", folder / "body"
    warm.write_bytes(document(1, kind))
    body.write_bytes(document(pages, kind))
    command = [sys.executable, "-c", _ONE_CASE, str(warm), str(body), kind, str(runs)]
    pin = ["taskset", "-c", "0"] if _has_taskset() else []
    result = subprocess.run([*pin, *command], capture_output=True, text=True, check=True, env=os.environ)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    actual = body.read_bytes().count(b"/Type /Page ") if kind == PDF else pages
    return {"pages": actual, "bytes": body.stat().st_size, **figures}


def _has_taskset() -> bool:
    return subprocess.run(["which", "taskset"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 50, MAX_PDF_PAGES])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docx", action="store_true", help="also Word documents of the same text")
    args = parser.parse_args()
    kinds = [PDF, DOCX] if args.docx else [PDF]
    print("| format | pages | file | words | time | per page | peak memory | per page |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            for pages in args.pages:
                row = measure(pages, kind, args.runs, Path(folder))
                per_page_ms = row["seconds"] * 1000 / row["pages"]
                if kind == PDF:
                    worst = max(worst, per_page_ms)
                name = "PDF" if kind == PDF else "DOCX (pages of PDF text)"
                print(
                    f"| {name} | {row['pages']:,} | {row['bytes'] / 1024:,.0f} KiB | {row['words']:,} "
                    f"| {row['seconds'] * 1000:,.0f} ms | {per_page_ms:.1f} ms "
                    f"| {row['peak_kib'] / 1024:,.1f} MiB | {row['peak_kib'] / row['pages']:,.0f} KiB |"
                )
    verdict = "meets" if worst <= GOAL_MS_PER_PAGE else "misses"
    print(f"\nworst PDF time per page {worst:.1f} ms: {verdict} the goal of {GOAL_MS_PER_PAGE} ms per page")


if __name__ == "__main__":
    main()
