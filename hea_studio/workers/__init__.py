"""Background work for the GUI. This is the only package that starts threads."""

from hea_studio.workers.compute_worker import ComputeWorker, Job, live_threads

__all__ = ["ComputeWorker", "Job", "live_threads"]
