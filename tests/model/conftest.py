"""Loads model/code/inference.py by file path, as the DLC and the local endpoint do; texts written for these
tests (no third-party articles): a news story, a long one full of quotes, a long sectioned report, a
one-liner, German and Japanese."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from precis import random_pegasus
from precis.paths import model_code_dir


def load_inference_script() -> ModuleType:
    script = model_code_dir() / "inference.py"
    spec = importlib.util.spec_from_file_location("precis_inference_script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def inference() -> ModuleType:
    return load_inference_script()


@pytest.fixture(scope="session")
def offline_model(inference, tmp_path_factory):
    """The offline engine, as model_fn builds it for an empty model directory and no model id."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PRECIS_MODEL_ID", raising=False)
        patch.delenv("PRECIS_MODEL_REVISION", raising=False)
        return inference.model_fn(str(tmp_path_factory.mktemp("empty-model-dir")))


NEWS = """Harbour town switches on its tidal power station

The town of Port Ellery switched on a tidal power station on Tuesday, the first of its kind on this coast.
The station's four turbines sit on the estuary floor and turn with both the rising and the falling tide.
Engineers expect the plant to supply about 3,400 homes, roughly two thirds of the town's demand.
The project cost £41.5m and took six years to plan and build, according to the harbour board.
Dr. Amira Okafor, who led the environmental survey, said fish counts near the turbines had not changed.
"We watched the seals and the salmon runs for two full seasons before a single blade turned," she said.
Some fishermen remain unconvinced and say the construction barges disturbed the mussel beds for months.
The harbour board said it would pay for an independent study of the beds next spring.
Electricity from the station is sold to the regional grid at a fixed price for the first fifteen years.
Similar schemes have been proposed for two other estuaries, but neither has yet secured funding.
The mayor called the opening "a quiet revolution" and said the town would publish the output every month.
"""

ONE_SENTENCE = "The committee approved the new budget on Monday after a short debate."

GERMAN = (
    "Die Stadtbibliothek öffnet im Mai nach zwei Jahren Umbau wieder ihre Türen. "
    "Das Gebäude hat jetzt ein Lesecafé, einen Raum für Kinder und doppelt so viele Arbeitsplätze wie zuvor. "
    "Die Kosten lagen mit 12,4 Mio. Euro etwas unter der ursprünglichen Schätzung. "
    "Bürgermeisterin Weber sagte, die Bibliothek sei das Wohnzimmer der Stadt. "
    "Ab Juni sollen die Öffnungszeiten auch auf den Sonntag ausgeweitet werden."
)

JAPANESE = (
    "市立図書館は二年間の改修を終えて五月に再開する。"
    "新しい建物には読書カフェと子ども向けの部屋がある。"
    "市長は図書館を町の居間と呼んだ。"
)

_CROPS = ("wheat", "barley", "oats", "rye", "maize", "sorghum", "millet", "lentil", "pea", "bean")
_AGENTS = ("compost", "biochar", "clover mulch", "rock dust", "seaweed extract", "manure")


def _long_report(trials: int = 90) -> str:
    """A sectioned report of about 2,500 words: headings, an introduction, many results, conclusions."""
    background = (
        "Soil organic matter declines under continuous cropping, and farmers want amendments that restore it "
        "without lowering yields. This report compares six soil amendments across ten crops over three "
        "seasons. "
        "Each amendment was applied once before sowing, at rates the suppliers recommend. "
        "We measured yield, soil carbon and water retention in every plot."
    )
    results = []
    for trial in range(trials):
        crop = _CROPS[trial % len(_CROPS)]
        agent = _AGENTS[(trial * 7) % len(_AGENTS)]
        gain = 3 + (trial * 37) % 19
        carbon = 0.1 + ((trial * 13) % 9) / 10
        results.append(
            f"In trial {trial + 1}, {crop} plots treated with {agent} yielded {gain} percent more grain than "
            f"untreated plots, and soil carbon rose by {carbon:.1f} grams per kilogram."
        )
    paragraphs = [" ".join(results[i : i + 6]) for i in range(0, len(results), 6)]
    conclusions = (
        "Compost and biochar raised both yield and soil carbon in most crops. "
        "Rock dust had no measurable effect within three seasons. "
        "Farmers who can source compost locally should prefer it, since it was also the cheapest amendment."
    )
    return "\n\n".join(["BACKGROUND", background, "RESULTS", *paragraphs, "CONCLUSIONS", conclusions])


_RESIDENTS = (
    ("Maria Lund", "who runs the bakery on Quay Street"),
    ("Owen Pryce", "a retired harbour pilot"),
    ("Dr. Hana Sato", "a marine biologist at the county college"),
    ("Luis Ortega", "who skippers a crab boat out of the old dock"),
    ("Grace Mbeki", "a teacher at the primary school"),
    ("Tom Reilly", "chairman of the residents' association"),
)
_VIEWS = (
    "the turbines have been quieter than anyone feared and the harbour looks no different from the shore",
    "the town should have been asked about the price before the contracts were signed, not after",
    "the first season of measurements shows no change in the numbers of fish that use the estuary",
    "the barges scared the mussels off the north bank and nobody has yet said who will pay for that",
    "the children have been down to see the control room and half of them now want to be engineers",
    "the monthly output figures are the only way people here will trust what they have been promised",
)


def _long_news(paragraphs: int = 24) -> str:
    """A news story of about 1,400 words: a title, a lede, then mostly what residents told the reporter."""
    lede = (
        "Port Ellery's tidal power station has supplied a third of the town's electricity in its first "
        "year, the harbour board said on Monday, more than its engineers had forecast."
    )
    body = []
    for number in range(paragraphs):
        name, who = _RESIDENTS[number % len(_RESIDENTS)]
        surname = name.split()[-1]
        view = _VIEWS[(number * 5) % len(_VIEWS)]
        body.append(
            f'"I have lived here for {12 + number} years, and I can tell you that {view}," '
            f"said {name}, {who}. "
            f"{surname} said the board's meeting in week {number + 2} had been the busiest in memory. "
            f'"We will see whether the next {number + 3} months bear that out," {surname} added.'
        )
    return "\n\n".join(["Tidal station beats its first-year forecast", lede, *body])


@pytest.fixture(scope="session")
def news() -> str:
    return NEWS


@pytest.fixture(scope="session")
def long_news() -> str:
    return _long_news()


@pytest.fixture(scope="session")
def long_report() -> str:
    return _long_report()


@pytest.fixture(scope="session")
def tiny_pegasus_dir(tmp_path_factory, news, long_report):
    """A tiny random-weight PEGASUS with a 128-position window, saved as model_fn finds packaged weights."""
    torch = pytest.importorskip("torch", reason="the ml extra (torch) is not installed")
    pytest.importorskip("transformers", reason="the ml extra (transformers) is not installed")
    pytest.importorskip("sentencepiece", reason="the ml extra (sentencepiece) is not installed")
    # Many intra-op threads on a small shared CI machine make a tiny model crawl.
    torch.set_num_threads(1)
    return random_pegasus.build(tmp_path_factory.mktemp("tiny-pegasus"), news + " " + long_report)
