"""Settings of the benchmarks: the real settings plus the benchmark-only yardstick app and
its URL (``/bench/yardstick/``). Nothing else differs from ``config.settings``."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.yardstick"]
ROOT_URLCONF = "bench.urls"
