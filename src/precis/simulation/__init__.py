"""`precis simulate`: SageMaker async inference with autoscaling on a virtual clock (see precis.scaling)."""

from precis.simulation.run import SimulationResult, TimelinePoint, simulate
from precis.simulation.workload import Workload, WorkloadError

__all__ = ["SimulationResult", "TimelinePoint", "Workload", "WorkloadError", "simulate"]
