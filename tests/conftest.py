"""Shared test configuration.

Hypothesis' per-example deadline (200 ms) measures the machine as much as the code: on a loaded CI runner a
first example that warms caches can exceed it. Speed is measured by benchmarks/, never by timed tests.
"""

from hypothesis import settings

settings.register_profile("xltemplates", deadline=None)
settings.load_profile("xltemplates")
