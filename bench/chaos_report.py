"""What a bench/chaos.py run found (`Result`, one per fault and run), and the table it prints."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from precis.cli.console import console, shown

BASELINE = "no-fault"
"""The same run without a fault: the time to settle the faults' times are compared with."""


@dataclass
class Result:
    fault: str
    articles: int
    uploads: int
    completed: int = 0
    failed: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    missing: int = 0
    duplicates: int = 0
    well_formed: int = 0
    well_formed_completed: int = 0
    odd_uploads: dict[str, str] = field(default_factory=dict)
    """What each upload that is not a plain article ended as (poison): its status and reason."""
    invocations_per_document: float = 0.0
    max_invocations: int = 0
    settle_seconds: float | None = None
    restarts: dict[str, int] = field(default_factory=dict)
    restart_events: list[str] = field(default_factory=list)
    """The stack's line for each death: which process, hung or exited (with what), when it restarts."""
    resumed: int = 0
    """Open requests the (last) endpoint process took over from its journal."""
    reconcile_runs: int = 0
    redrive_runs: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    """Messages left in the functions' dead-letter queues after recovery (`precis redrive` empties them)."""
    dead_letter_reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per queue left with messages: how many carry each error (Lambda's ErrorMessage attribute)."""
    reran_completed: int = 0
    """Articles COMPLETED before moto or the whole stack was killed that the model ran again."""
    wall_seconds: float = 0.0

    @property
    def goal_met(self) -> bool:
        return (
            self.missing == 0
            and self.queued == 0
            and self.duplicates == 0
            and self.well_formed_completed == self.well_formed
            and self.reran_completed == 0
        )


def worst(runs: list[Result]) -> Result:
    """The run furthest from the goal (the last one when all met it)."""
    return max(reversed(runs), key=lambda r: (not r.goal_met, r.missing + r.queued + r.duplicates))


def settle_text(runs: list[Result]) -> tuple[str, float | None]:
    """The median time to settle over the runs, with the range when there are several."""
    times = [r.settle_seconds for r in runs]
    if any(t is None for t in times):
        return "never", None
    median = statistics.median(times)
    spread = f" ({min(times):.0f}-{max(times):.0f})" if len(times) > 1 else ""
    return f"{median:.1f}{spread}", median


def report(results: dict[str, list[Result]]) -> None:
    """One row per fault: the counts of its worst run, the median time to settle and its ratio to the
    baseline's median; then the FAILED reasons and what each odd upload ended as."""
    print(
        f"{'fault':<19} {'uploads':>7} {'COMPLETED':>9} {'FAILED':>6} {'QUEUED':>6} {'missing':>7} "
        f"{'dup rec':>7} {'inv/doc':>7} {'max':>3} {'settle s':>14} {'x base':>6}  recovery"
    )
    baseline = settle_text(results[BASELINE])[1] if BASELINE in results else None
    for fault, runs in results.items():
        r = worst(runs)
        restarts = [f"{name} restarted x{n}" for name, n in r.restarts.items()]
        resumed = [f"{r.resumed} resumed from the journal"] if r.resumed else []
        dead = [f"{count} in {queue}" for queue, count in r.dead_letters.items()]
        redrives = [f"redrive x{r.redrive_runs}"] if r.redrive_runs else []
        recovery = ", ".join(restarts + resumed + [f"reconcile x{r.reconcile_runs}"] + redrives + dead)
        settle, median = settle_text(runs)
        ratio = f"{median / baseline:.2f}" if baseline and median is not None else "-"
        invocations = f"{r.invocations_per_document:>7.3f} {r.max_invocations:>3}"
        print(
            f"{fault:<19} {r.uploads:>7} {r.completed:>9} {r.failed:>6} {r.queued:>6} {r.missing:>7} "
            f"{r.duplicates:>7} {invocations} {settle:>14} {ratio:>6}  {recovery}"
        )
    for fault, runs in results.items():
        r = worst(runs)
        for queue, reasons in r.dead_letter_reasons.items():
            print(f"\n{fault}: left in {queue}, by error")
            for reason, count in reasons.items():
                console.print(f"  {count:>5}  {shown(reason)}", highlight=False, soft_wrap=True)
        if r.failed_by_reason:
            print(f"\n{fault}: FAILED by reason")
            for reason, count in r.failed_by_reason.items():
                console.print(f"  {count:>5}  {shown(reason)}", highlight=False, soft_wrap=True)
        if r.odd_uploads:
            print(f"\n{fault}: each odd upload")
            for name, outcome in r.odd_uploads.items():
                console.print(f"  {shown(name):<34} {shown(outcome[:110])}", highlight=False, soft_wrap=True)
    met = [fault for fault, runs in results.items() if all(r.goal_met for r in runs)]
    missed = [fault for fault in results if fault not in met]
    print(
        f"\ngoal (0 missing, 0 QUEUED, 0 duplicate records, every well-formed article COMPLETED) in every "
        f"run met by: {', '.join(met) or 'none'}; missed by: {', '.join(missed) or 'none'}"
    )
