"""CloudWatch-like graphs for a simulation: backlog, instances and completions per minute."""

from __future__ import annotations

from pathlib import Path

from precis.simulation.run import SimulationResult


def plot(results: list[SimulationResult], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(3, 1, figsize=(10, 8), sharex=True)
    for result in results:
        minutes = [point.minute_end / 60 for point in result.timeline]
        axes[0].plot(minutes, [p.backlog for p in result.timeline], label=result.policy)
        axes[1].step(
            minutes, [p.instances_in_service for p in result.timeline], where="post", label=result.policy
        )
        axes[2].plot(minutes, [p.completions for p in result.timeline], label=result.policy)
    axes[0].set_ylabel("ApproximateBacklogSize")
    axes[1].set_ylabel("instances in service")
    axes[2].set_ylabel("completions / min")
    axes[2].set_xlabel("minutes")
    axes[0].set_title(f"precis simulate: {results[0].workload}")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(loc="upper right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
