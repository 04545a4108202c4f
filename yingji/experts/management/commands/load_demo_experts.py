"""``yingji load_demo_experts [--scale N] [--seed S]``: synthetic experts with terms."""

from yingji.core.registry import DemoCommand
from yingji.experts.demo import load


class Command(DemoCommand):
    loader = staticmethod(load)
