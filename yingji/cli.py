"""The ``yingji`` command: every Django management command, plus demo/serve/worker.

``yingji demo``   migrate, load Jinan reference and demo data, serve with a worker
``yingji serve``  serve the platform with gunicorn (several workers)
``yingji worker`` run background tasks (deadlines, reminders)
``yingji <cmd>``  any manage.py command (migrate, createsuperuser, load_regions, …)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "yingji"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
