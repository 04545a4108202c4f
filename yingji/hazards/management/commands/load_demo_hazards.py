"""``yingji load_demo_hazards [--scale N] [--seed S]``: synthetic hazards and low-lying roads."""

from yingji.core.registry import DemoCommand
from yingji.hazards.demo import load


class Command(DemoCommand):
    loader = staticmethod(load)
