"""`precis simulate tune`: the cheapest template parameters whose simulation meets a latency goal.

Every candidate is the template resolved with `--parameter-overrides` (what `sam deploy` would create),
run through the same simulator. The search, not exhaustive: for each instance type of the price table
it finds the smallest MaxInstanceCount that meets the goal (doubling, then bisecting: time to summary
falls as instances rise), then, for the cheapest types, tries each value of every other parameter in
turn, keeping a change while it is cheaper and still meets the goal, and shrinks MaxInstanceCount again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from precis import paths
from precis.scaling import ScalingConfigError
from precis.simulation.policies import TemplateEndpoint, price_for, template_endpoint
from precis.simulation.processing import INSTANCE_GPUS
from precis.simulation.run import GiveUp, SimulationResult, simulate
from precis.simulation.scenario import on_instance
from precis.simulation.workload import Workload
from precis.template import load_template

# One instance type per GPU of the processing model: a larger size of the same GPU costs more and
# is no faster for a GPU-bound model.
INSTANCE_TYPES = ("ml.g4dn.xlarge", "ml.g5.xlarge", "ml.p3.2xlarge")
CHOICES: dict[str, tuple[int, ...]] = {
    "TargetBacklogPerInstance": (1, 2, 5, 10, 20),
    "MaxConcurrentInvocationsPerInstance": (1, 2, 4),
    "ScaleInCooldownSeconds": (60, 120, 300, 600),
    "ScaleOutCooldownSeconds": (60, 120, 300),
}
MAX_INSTANCES = 128  # the wake's last step; Application Auto Scaling clamps to MaxCapacity
REFINED_TYPES = 2


@dataclass(frozen=True)
class Goal:
    p95_seconds: float
    max_cost: float | None = None

    def met_by(self, result: SimulationResult) -> bool:
        if result.gave_up or result.expired or result.failed or result.completed < result.requests:
            return False
        p95 = result.percentile(95)
        within_cost = self.max_cost is None or result.cost <= self.max_cost
        return p95 is not None and p95 <= self.p95_seconds and within_cost


@dataclass(frozen=True)
class Trial:
    """One simulated setting: the overrides asked for, every tuned parameter's value, the result."""

    overrides: dict[str, str]
    settings: dict[str, str]
    result: SimulationResult
    meets: bool

    @property
    def key(self) -> tuple[float, float]:
        return (self.result.cost, self.result.percentile(95) or float("inf"))


@dataclass
class Tuning:
    template: Trial
    best: Trial | None
    closest: Trial
    simulated: int
    elapsed: float
    trials: list[Trial] = field(default_factory=list)


class Tuner:
    def __init__(
        self,
        workload: Workload,
        goal: Goal,
        *,
        template: Path | None = None,
        base_overrides: dict[str, str] | None = None,
        instance_start_delay: float = 480.0,
        hold_while_updating: bool = True,
        price_per_hour: Callable[[str], float | None] | None = None,
    ) -> None:
        self.workload = workload
        self.goal = goal
        self._document = load_template(template or paths.template_path())
        self._template = template
        self._base = dict(base_overrides or {})
        self._start_delay = instance_start_delay
        self._hold = hold_while_updating
        self._price = price_per_hour or price_for
        self._trials: dict[tuple[tuple[str, str], ...], Trial] = {}
        self._workloads: dict[tuple[str, int], Workload] = {}

    def run(self) -> Tuning:
        started = time.perf_counter()
        template = self.trial({}, full=True)
        per_type = [trial for trial in (self._fewest_instances(t) for t in self._instance_types()) if trial]
        per_type.sort(key=lambda trial: trial.key)
        for trial in per_type[:REFINED_TYPES]:
            self._refine(trial)
        trials = list(self._trials.values())
        best = min((t for t in trials if t.meets), key=lambda t: t.key, default=None)
        closest = best or self._closest(trials)
        trials = list(self._trials.values())
        return Tuning(template, best, closest, len(trials), time.perf_counter() - started, trials)

    def _closest(self, trials: list[Trial]) -> Trial:
        """With no setting meeting the goal: the lowest p95, the stopped run that held out longest rerun."""
        stopped = [t for t in trials if t.result.gave_up]
        if stopped:
            furthest = max(stopped, key=lambda t: t.result.end_time)
            trials = [*trials, self.trial(furthest.overrides, full=True)]
        finished = [t for t in trials if not t.result.gave_up]
        return min(finished, key=lambda t: (t.result.percentile(95) or float("inf"), t.result.cost))

    def trial(self, overrides: dict[str, str], *, full: bool = False) -> Trial:
        """The template with these overrides (on top of the base ones), simulated and remembered.

        Unless `full`, a run stops once the goal is out of reach: such a trial only says that it fails.
        """
        merged = {**self._base, **overrides}
        key = tuple(sorted(merged.items()))
        if key not in self._trials or (full and self._trials[key].result.gave_up):
            endpoint = template_endpoint(
                self._template,
                instance_start_delay=self._start_delay,
                parameter_overrides=merged,
                document=self._document,
            )
            instance_type = endpoint.capacity.instance_type
            price = self._price(instance_type)
            if price is None:
                raise ScalingConfigError(f"no price for {instance_type}; give --price-per-hour")
            workload = self._workload_on(instance_type, endpoint.map_batch)
            result = simulate(
                workload,
                endpoint.policy,
                endpoint.capacity,
                price_per_hour=price,
                hold_while_updating=self._hold,
                give_up=None if full else GiveUp(self.goal.p95_seconds),
            )
            self._trials[key] = Trial(dict(merged), _settings(endpoint), result, self.goal.met_by(result))
        return self._trials[key]

    def _instance_types(self) -> tuple[str, ...]:
        if "InstanceType" in self._base or self.workload.words is None:
            return (self._base.get("InstanceType", ""),)
        return tuple(t for t in INSTANCE_TYPES if t in INSTANCE_GPUS)

    def _workload_on(self, instance_type: str, map_batch: int) -> Workload:
        key = (instance_type, map_batch)
        if key not in self._workloads:
            self._workloads[key] = on_instance(self.workload, instance_type, map_batch)
        return self._workloads[key]

    def _with(self, overrides: dict[str, str], **changes: int | str) -> dict[str, str]:
        return {**overrides, **{name: str(value) for name, value in changes.items()}}

    def _fewest_instances(
        self, instance_type: str, overrides: dict[str, str] | None = None, *, meets_at: int | None = None
    ) -> Trial | None:
        """The smallest MaxInstanceCount meeting the goal for these settings (None up to the limit).

        `meets_at` is a count already known to meet it: only fewer are tried.
        """
        settings = self._with(overrides or {}, **({"InstanceType": instance_type} if instance_type else {}))

        def meets(count: int) -> bool:
            return self.trial(self._with(settings, MaxInstanceCount=count)).meets

        low, high = 0, meets_at or 5
        while not meets(high):
            if high >= MAX_INSTANCES:
                return None
            low, high = high, min(MAX_INSTANCES, high * 2)
        while high - low > 1:
            middle = (low + high) // 2
            if meets(middle):
                high = middle
            else:
                low = middle
        return self.trial(self._with(settings, MaxInstanceCount=high))

    def _refine(self, start: Trial) -> Trial:
        """Coordinate search: each parameter's values in turn, then MaxInstanceCount again."""
        best = start
        overrides = {k: v for k, v in start.overrides.items() if k not in self._base}
        for name, values in CHOICES.items():
            for value in values:
                trial = self.trial(self._with(overrides, **{name: value}))
                if trial.meets and trial.key < best.key:
                    best = trial
            overrides = {k: v for k, v in best.overrides.items() if k not in self._base}
        count = int(overrides["MaxInstanceCount"])
        shrunk = self._fewest_instances(overrides.get("InstanceType", ""), overrides, meets_at=count)
        return shrunk if shrunk and shrunk.key < best.key else best


def _settings(endpoint: TemplateEndpoint) -> dict[str, str]:
    """The tuned parameters' values in a resolved template, as `sam deploy --parameter-overrides` takes."""
    policy, capacity = endpoint.policy, endpoint.capacity
    tracking = policy.target_tracking
    return {
        "InstanceType": capacity.instance_type,
        "MaxInstanceCount": str(policy.max_capacity),
        "TargetBacklogPerInstance": f"{tracking.target_value:g}" if tracking else "",
        "MaxConcurrentInvocationsPerInstance": str(capacity.max_concurrent_invocations),
        "ScaleInCooldownSeconds": f"{tracking.scale_in_cooldown:g}" if tracking else "",
        "ScaleOutCooldownSeconds": f"{tracking.scale_out_cooldown:g}" if tracking else "",
    }
