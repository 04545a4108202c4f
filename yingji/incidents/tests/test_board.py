"""The duty-room board's order (overdue first), pages ("加载更多") and summary strip."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from yingji.deadlines.models import Deadline
from yingji.incidents import selectors, services
from yingji.incidents.choices import OPEN_STATUSES
from yingji.incidents.models import Incident

from .factories import payload
from .test_pages import PageTestBase


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-incident="(\d+)"', html)]


class BoardOrderTests(PageTestBase):
    def setUp(self) -> None:
        now = timezone.now()
        self.now = now
        # The two incidents of the base: a deadline far ahead, so they sort after these.
        for incident in (self.incident_a, self.incident_b):
            self.deadlines(incident, now + timedelta(days=3))

        def make(severity: int, due: Any, received: Any, late: bool = False) -> Incident:
            incident, _ = services.incident_report(
                actor=self.officer_a, data=payload(severity=severity)
            )
            Incident.objects.filter(pk=incident.pk).update(received_at=received)
            self.deadlines(incident, due, late=late)
            return incident

        minutes = lambda n: now + timedelta(minutes=n)  # noqa: E731
        # In the order the board must show them:
        self.expected = [
            # overdue the longest (marked 迟报 and still unreported), though 一般
            make(4, minutes(-30), minutes(-60), late=True),
            make(1, minutes(-5), minutes(-50)),  # overdue
            make(1, minutes(10), minutes(-40)),  # next due; 特别重大 before 一般 at the same time
            make(4, minutes(10), minutes(-10)),  # same due and level: the newer first
            make(4, minutes(10), minutes(-20)),
            make(2, minutes(60), minutes(-30)),
            make(1, None, minutes(-5)),  # no open deadline: after every one with a deadline
        ]

    def deadlines(self, incident: Incident, due: Any, late: bool = False) -> None:
        """A met 首报 (not counted), then — unless ``due`` is None — 续报一 due at ``due``
        (pending, or 迟报 and unreported) and 续报二 an hour later."""
        Deadline.objects.filter(incident=incident).delete()
        anchor = due - timedelta(hours=2) if due else self.now - timedelta(hours=3)
        common = {"incident": incident, "anchor_at": anchor}
        Deadline.objects.create(
            **common, kind="initial_written", due_at=anchor, status="met", met_at=anchor
        )
        if due is None:
            return
        Deadline.objects.create(
            **common, kind="followup", sequence=1, due_at=due, status="late" if late else "pending"
        )
        Deadline.objects.create(
            **common, kind="followup", sequence=2, due_at=due + timedelta(hours=1)
        )

    def ids(self, found: list[int]) -> list[int]:
        mine = {i.pk for i in self.expected}
        return [pk for pk in found if pk in mine]

    def test_overdue_incidents_come_first_then_nearest_deadline_level_newest(self) -> None:
        queryset = Incident.objects.restrict(self.duty, "view").filter(status__in=OPEN_STATUSES)
        order = selectors.board_page(queryset, offset=0, limit=100)
        self.assertEqual(self.ids(order), [i.pk for i in self.expected])
        # The incidents without a deadline come after every one with a deadline.
        self.assertEqual(order[-1], self.expected[-1].pk)

    def test_the_page_draws_overdue_rows_first_and_counts_them(self) -> None:
        self.login(self.duty)
        response = self.client.get(reverse("incidents:board"))
        html = response.content.decode()
        shown = row_ids(html)
        self.assertEqual(shown[:2], [self.expected[0].pk, self.expected[1].pk])
        self.assertEqual(self.ids(shown), [i.pk for i in self.expected])
        # Overdue rows are red before any script runs, and counted in the summary strip.
        first_row = re.search(rf'<tr data-incident="{self.expected[0].pk}"[^>]*>', html)
        assert first_row is not None
        self.assertIn("is-overdue", first_row.group(0))
        summary = response.context["summary"]
        self.assertEqual(summary["overdue"], 2)
        self.assertEqual(summary["total"], 9)
        levels = {level["value"]: level for level in summary["levels"]}
        self.assertEqual(levels[1]["count"], 3)
        self.assertEqual(levels[1]["overdue"], 1)
        self.assertEqual(levels[4]["overdue"], 1)
        self.assertIn("data-overdue-count>2<", html)
        # Filtered: the counts are of what the filters match.
        response = self.client.get(reverse("incidents:board"), {"severity": "1"})
        self.assertEqual(response.context["summary"]["total"], 3)
        self.assertEqual(response.context["summary"]["overdue"], 1)

    def test_load_more_pages_through_the_board_in_order(self) -> None:
        self.login(self.duty)
        with mock.patch("yingji.incidents.views.BOARD_LIMIT", 3):
            response = self.client.get(reverse("incidents:board"))
            seen = row_ids(response.content.decode())
            offset = response.context["next_offset"]
            self.assertEqual(len(seen), 3)
            while offset is not None:
                body = self.client.get(reverse("incidents:board_rows"), {"offset": offset}).json()
                seen += [row["id"] for row in body["rows"]]
                self.assertTrue(all(row["point"] for row in body["rows"]))
                offset = body["next"]
        self.assertEqual(len(seen), 9)
        self.assertEqual(len(set(seen)), 9)
        self.assertEqual(self.ids(seen), [i.pk for i in self.expected])

    def test_load_more_keeps_filters_and_region(self) -> None:
        self.login(self.officer_b)  # county B sees only its own incident
        body = self.client.get(reverse("incidents:board_rows"), {"offset": 0}).json()
        self.assertEqual([row["id"] for row in body["rows"]], [self.incident_b.pk])
        self.assertIsNone(body["next"])
        self.login(self.duty)
        body = self.client.get(
            reverse("incidents:board_rows"), {"offset": 0, "severity": "2"}
        ).json()
        self.assertEqual([row["id"] for row in body["rows"]], [self.expected[5].pk])

    def test_load_more_with_a_bad_offset_is_a_400(self) -> None:
        self.login(self.duty)
        for bad in ("-1", "x", "1.5", "99999999", "²", "１"):
            response = self.client.get(reverse("incidents:board_rows"), {"offset": bad})
            self.assertEqual(response.status_code, 400, bad)
            self.assertIn("offset", response.json()["fields"])

    def test_the_change_feed_carries_the_summary(self) -> None:
        self.login(self.duty)
        body = self.client.get(reverse("incidents:board_changes"), {"since": "0.0"}).json()
        self.assertEqual(body["summary"]["total"], 9)
        self.assertEqual(body["summary"]["overdue"], 2)
