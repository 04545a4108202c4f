"""The synthetic demo incidents: loaded through the services, idempotent, what the board
needs (open, overdue, late, closed chains, an event of 30 waterlogging incidents)."""

from __future__ import annotations

from django.core.management import call_command
from django.test import TestCase

from yingji.deadlines.models import Deadline, Finding
from yingji.incidents.demo import EVENT_NAME, TITLE_PREFIX, load_demo_incidents
from yingji.incidents.models import Event, Incident, Report


class DemoIncidentsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        for command in ("load_regions", "load_demo_townships", "load_deadline_rules", "load_demo"):
            call_command(command, verbosity=0)
        with cls.captureOnCommitCallbacks(execute=True):  # report_submit's hooks
            cls.result = load_demo_incidents()

    def test_the_scenario(self) -> None:
        event = Event.objects.get(name=EVENT_NAME)
        self.assertEqual(event.incidents.filter(incident_type__code="11A02").count(), 31)
        self.assertEqual(self.result.incidents_created, 53)
        self.assertFalse(Incident.objects.exclude(title__startswith=TITLE_PREFIX).exists())
        self.assertEqual(Incident.objects.filter(status="closed").count(), 3)
        self.assertEqual(Incident.objects.filter(severity=3).exclude(status="closed").count(), 2)
        for incident in Incident.objects.filter(status="closed"):
            kinds = list(incident.reports.values_list("kind", flat=True))
            self.assertEqual(kinds.count("followup"), 2)
            self.assertIn("final", kinds)
        # Overdue and late reports exist, and so do their findings and scores.
        self.assertTrue(Deadline.objects.filter(status="late", met_at__isnull=True).exists())
        self.assertTrue(Deadline.objects.filter(status="late", met_at__isnull=False).exists())
        self.assertTrue(Deadline.objects.filter(status="pending").exists())
        self.assertTrue(Finding.objects.filter(kind="late", status="confirmed").exists())
        self.assertTrue(Finding.objects.filter(kind="missed", status="suspected").exists())

    def test_loading_again_changes_nothing(self) -> None:
        counts = (Incident.objects.count(), Report.objects.count(), Deadline.objects.count())
        again = load_demo_incidents()
        self.assertEqual(again.incidents_created, 0)
        self.assertEqual(again.reports_created, 0)
        self.assertEqual(
            counts, (Incident.objects.count(), Report.objects.count(), Deadline.objects.count())
        )
