"""Background work for the GUI. This is the only package that starts threads."""

from hea_studio.workers.compute_worker import ComputeWorker, Job, live_threads
from hea_studio.workers.latest_job import LatestJob

__all__ = ["ComputeWorker", "Job", "LatestJob", "live_threads"]
