"""Background work for the GUI: the worker thread and its jobs.

The only package that starts long-lived threads. Two compute functions start a thread pool inside one
call and join it before returning (the mass-spectrum histogram and the k-nearest search of local
entropy: their kernels release the GIL); tests/test_threads.py keeps that list honest.
"""

from hea_studio.workers.compute_worker import ComputeWorker, Job, live_threads
from hea_studio.workers.latest_job import LatestJob

__all__ = ["ComputeWorker", "Job", "LatestJob", "live_threads"]
