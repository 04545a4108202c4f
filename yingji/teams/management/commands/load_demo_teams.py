"""``yingji load_demo_teams [--scale N] [--seed S]``: synthetic rescue teams."""

from yingji.core.registry import DemoCommand
from yingji.teams.demo import load


class Command(DemoCommand):
    loader = staticmethod(load)
