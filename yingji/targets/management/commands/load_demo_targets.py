"""``yingji load_demo_targets [--scale N] [--seed S]``: synthetic protection targets."""

from yingji.core.registry import DemoCommand
from yingji.targets.demo import load


class Command(DemoCommand):
    loader = staticmethod(load)
