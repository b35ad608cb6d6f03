"""Task functions for tests/test_runner.py, imported by worker processes.

Importing this module takes ``IMPORT_SECONDS`` on purpose: a worker pays it before its first task
(unpickling the task function imports its module), as a real worker pays for importing
trustsource, pandas and HiGHS. A task's timeout must not count it.
"""

from __future__ import annotations

import time

IMPORT_SECONDS = 2.0
time.sleep(IMPORT_SECONDS)


def square(x: float) -> float:
    return x * x


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
