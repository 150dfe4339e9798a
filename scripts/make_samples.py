"""Builds the PDF and Word samples in samples/ from the text below (written for precis; every name and
figure is invented), so they can be rebuilt byte for byte: `python scripts/make_samples.py`.

The PDF is laid out as a word processor exports one: a running header and "Page N of M" on every page,
words hyphenated at line ends and a references section at the end, which the endpoint must all keep out
of the summary. The .docx has a header and footer part and its title, author and date in its properties.
"""

from __future__ import annotations

import sys
from pathlib import Path

from precis import paths
from precis.document_writers import DocumentInfo, Paragraph, docx_bytes, laid_out_pdf

PDF_NAME = "field-report-cold-chain-sensors.pdf"
DOCX_NAME = "briefing-harbour-district-flood-barrier.docx"

PDF_TEXT = [
    Paragraph("Cold-chain sensors in regional pharmacy deliveries: a twelve-month field report", "title"),
    Paragraph("Summary", "heading"),
    Paragraph(
        "Between March 2025 and February 2026 the Vantmoor Pharmacy Cooperative fitted temperature "
        "loggers to 214 delivery crates serving 61 pharmacies in three rural districts. Each logger "
        "recorded the crate temperature every two minutes and uploaded its readings when the van "
        "returned to the depot. Over the year the loggers recorded 38,900 crate journeys. Vaccines and "
        "insulin must stay between 2 and 8 degrees Celsius; before the trial the cooperative had no "
        "measurement at all between the depot and the pharmacy counter."
    ),
    Paragraph(
        "The headline finding is that temperature excursions were rarer than the cooperative feared but "
        "concentrated in a way nobody had predicted. Only 1.9 per cent of journeys left the safe range for "
        "more than ten minutes, yet 71 per cent of those excursions happened on the last leg of a route, "
        "after the van had stopped more than eight times and the crate lid had been opened repeatedly."
    ),
    Paragraph("Method", "heading"),
    Paragraph(
        "The loggers were calibrated against a reference thermometer before installation and again after "
        "six months; the largest drift found was 0.3 degrees. Journeys were matched to route sheets, so "
        "each reading could be placed at a stop. An excursion was counted when three consecutive readings "
        "fell outside the range. Drivers were told about the trial but not shown the readings until the "
        "final quarter, when a dashboard was introduced in one district as a comparison."
    ),
    Paragraph("Findings", "heading"),
    Paragraph(
        "Summer afternoons produced the longest excursions, with a median of 26 minutes above 8 degrees, "
        "while winter mornings produced the most frequent short dips below 2 degrees when crates were "
        "loaded from an unheated loading bay. Routes with more than ten stops had an excursion rate of 4.2 "
        "per cent against 0.8 per cent on routes with five stops or fewer. Crate age mattered less than "
        "expected: crates older than five years performed only slightly worse than new ones once their "
        "lid seals had been replaced."
    ),
    Paragraph(
        "In the district where drivers could see live readings on a dashboard, excursions fell by 44 per "
        "cent within six weeks. Drivers reorganised their loading so that temperature-sensitive stock "
        "travelled in a separate crate that was opened only at the stops that needed it. Interviews "
        "suggest the change came from drivers themselves rather than from any instruction by managers."
    ),
    Paragraph("Costs", "heading"),
    Paragraph(
        "Loggers cost 38 euros each and the data service 410 euros a month for the whole fleet. Over the "
        "year the cooperative discarded stock worth 23,600 euros because of recorded excursions, but "
        "pharmacists estimate that without measurement a larger amount of compromised stock would have "
        "reached patients unnoticed. The finance committee judged the programme affordable at fleet scale."
    ),
    Paragraph("Recommendations", "heading"),
    Paragraph(
        "The report recommends four changes: split long routes so that no crate serves more than eight "
        "stops; give every driver the live dashboard; load sensitive stock from a heated bay in winter; "
        "and replace lid seals every two years. A second year of measurement should test whether the "
        "dashboard effect lasts once its novelty has worn off."
    ),
    Paragraph("References", "heading"),
    Paragraph(
        "1. Okafor, N. and Lindqvist, B. Temperature logging in last-mile medicine distribution. "
        "Journal of Rural Logistics 14, 2024."
    ),
    Paragraph(
        "2. Vantmoor Pharmacy Cooperative. Fleet operating manual, revision 7. Internal document, 2023."
    ),
    Paragraph(
        "3. Brandt, E. Behavioural responses to live feedback among delivery drivers. Transport "
        "Behaviour Review 9, 2025."
    ),
]

DOCX_TEXT = [
    Paragraph("Harbour district flood barrier: options for the council", "title"),
    Paragraph("Purpose of this briefing", "heading"),
    Paragraph(
        "This briefing sets out three options for protecting the Saltmarsh harbour district from tidal "
        "flooding, which the council must choose between at its meeting in January. The district holds "
        "2,300 homes, the fish market and the ferry terminal. It flooded four times in the last decade, "
        "most seriously in November 2024 when water reached 1.1 metres above the quay and 410 homes were "
        "evacuated for up to three weeks."
    ),
    Paragraph("Option one: raise the quay wall", "heading"),
    Paragraph(
        "Raising the existing quay wall by 1.4 metres along 2.1 kilometres would protect against a flood "
        "expected once in a hundred years at today's sea level. It is the cheapest option at an estimated "
        "31 million pounds and could be finished in three years. Its weakness is that it blocks the view "
        "of the harbour from the market square, which traders and residents opposed strongly at the public "
        "consultation, and it would need raising again by the 2060s as the sea rises."
    ),
    Paragraph("Option two: a movable barrier at the harbour mouth", "heading"),
    Paragraph(
        "A gate across the 180-metre harbour mouth would close only when a high tide and a storm surge "
        "coincide, perhaps six times a year. It keeps the waterfront open and protects against a flood "
        "expected once in two hundred years, with room to adapt to higher seas. It is the most expensive "
        "option at 74 million pounds, takes six years to build, and the ferry operator warns that closures "
        "would cancel crossings on stormy days when demand is already disrupted."
    ),
    Paragraph("Option three: managed retreat of the lowest streets", "heading"),
    Paragraph(
        "The council could buy the 160 homes on the four lowest streets over fifteen years, turn the land "
        "into a salt marsh that absorbs surge water, and protect the rest of the district with a lower wall. "
        "The estimated cost is 46 million pounds. Ecologists support it and it lasts longest, but it would "
        "break up an old community, and the residents' association has said that it will fight compulsory "
        "purchase."
    ),
    Paragraph("Recommendation", "heading"),
    Paragraph(
        "Officers recommend option two, the movable barrier, funded by the national coastal grant, which "
        "would cover up to 60 per cent, and a harbour levy on commercial users for the rest. The barrier is "
        "the only option that protects the district for the rest of the century without losing either the "
        "waterfront or a neighbourhood. Officers also recommend an agreement with the ferry operator on a "
        "closure protocol before construction starts."
    ),
    Paragraph("References", "heading"),
    Paragraph("Saltmarsh Borough Council. Flood incident report, November 2024."),
    Paragraph("Coastal Engineering Partnership. Harbour defence options appraisal, volume 2, 2025."),
]


def build(directory: Path) -> list[Path]:
    """Writes the two samples into `directory`; returns their paths."""
    pdf = directory / PDF_NAME
    pdf.write_bytes(
        laid_out_pdf(
            PDF_TEXT,
            header="Vantmoor Pharmacy Cooperative - Field report FR-2026-03 - Not for distribution",
            info=DocumentInfo(
                title=PDF_TEXT[0].text, author="Vantmoor Pharmacy Cooperative", created="2026-03-18T10:00:00"
            ),
        )
    )
    docx = directory / DOCX_NAME
    docx.write_bytes(
        docx_bytes(
            DOCX_TEXT,
            header="Saltmarsh Borough Council - Cabinet briefing - Official",
            info=DocumentInfo(
                title=DOCX_TEXT[0].text, author="Harbour Resilience Team", created="2025-12-02T09:00:00Z"
            ),
        )
    )
    return [pdf, docx]


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else paths.samples_dir()):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
