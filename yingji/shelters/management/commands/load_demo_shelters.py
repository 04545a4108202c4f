"""``yingji load_demo_shelters [--scale N] [--seed S]``: synthetic shelters."""

from yingji.core.registry import DemoCommand
from yingji.shelters.demo import load


class Command(DemoCommand):
    loader = staticmethod(load)
