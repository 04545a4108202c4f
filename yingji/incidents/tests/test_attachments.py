"""Attachments: type by content (never by name), size per kind, storage under the hash."""

from __future__ import annotations

import hashlib
import shutil
import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.incidents import services
from yingji.incidents.models import Attachment, IncidentLog

from .factories import SAMPLES, make_incident, make_report, upload, zip_bytes

MEDIA = tempfile.mkdtemp(prefix="yingji-test-attachments-")


def tearDownModule() -> None:
    shutil.rmtree(MEDIA, ignore_errors=True)


EXPECTED = {
    "jpeg": ("photo", "image/jpeg"),
    "png": ("photo", "image/png"),
    "heic": ("photo", "image/heic"),
    "webp": ("photo", "image/webp"),
    "mp4": ("video", "video/mp4"),
    "mov": ("video", "video/quicktime"),
    "pdf": ("document", "application/pdf"),
    "docx": ("document", services.FORMATS["docx"][1]),
    "xlsx": ("document", services.FORMATS["xlsx"][1]),
    "m4a": ("audio", "audio/mp4"),
    "amr": ("audio", "audio/amr"),
}


@override_settings(MEDIA_ROOT=MEDIA)
class AttachmentTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.incident = make_incident(cls.world, cls.world.county_a)

    def add(self, file, **extra):  # type: ignore[no-untyped-def]
        return services.attachment_add(
            actor=self.officer_a, incident=self.incident, upload=file, **extra
        )

    def test_every_allowed_format_is_recognised_by_content(self) -> None:
        for fmt, (kind, content_type) in EXPECTED.items():
            with self.subTest(fmt=fmt):
                # The name says .txt and the declared type text/plain: both are ignored.
                attachment = self.add(upload(fmt, "说明.txt"))
                self.assertEqual((attachment.kind, attachment.content_type), (kind, content_type))
                self.assertTrue(attachment.file.name.endswith("." + services.FORMATS[fmt][2]))

    def test_refused_contents(self) -> None:
        bad = {
            "windows program": b"MZ\x90\x00\x03" + b"\x00" * 100,
            "html": b"<!doctype html><script>alert(1)</script>",
            "zip that is not office": zip_bytes(),
            "broken zip": b"PK\x03\x04garbage" + b"\x00" * 50,
            "gif": b"GIF89a" + b"\x00" * 50,
            "unknown ftyp": b"\x00\x00\x00\x14ftypabcd\x00\x00\x00\x00abcd" + b"\x00" * 40,
        }
        for label, content in bad.items():
            with self.subTest(label), self.assertRaises(ValidationError) as ctx:
                self.add(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
            self.assertEqual(set(ctx.exception.message_dict), {"file"})
        with self.assertRaises(ValidationError):
            self.add(SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"))
        self.assertFalse(Attachment.objects.exists())

    def test_declared_kind_must_match(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            self.add(upload("mp4"), kind="photo")
        self.assertIn("视频", ctx.exception.message_dict["kind"][0])
        self.assertEqual(self.add(upload("mp4"), kind="video").kind, "video")
        with self.assertRaises(ValidationError):
            self.add(upload("mp4"), kind="hologram")

    @override_settings(YINGJI_ATTACHMENT_MAX_MB={"photo": 1, "video": 2})
    def test_size_limits_per_kind(self) -> None:
        mb = 1024 * 1024
        photo = SAMPLES["jpeg"] + b"\x00" * (mb - len(SAMPLES["jpeg"]))
        self.assertEqual(self.add(upload("jpeg", content=photo)).size, mb)  # exactly the limit
        with self.assertRaises(ValidationError) as ctx:
            self.add(upload("jpeg", content=photo + b"\x00"))
        self.assertIn("1 MB", ctx.exception.message_dict["file"][0])
        video = SAMPLES["mp4"] + b"\x00" * (mb + 10)
        self.assertEqual(self.add(upload("mp4", content=video)).kind, "video")
        self.assertEqual(services.max_attachment_bytes("document"), 50 * mb)  # default kept

    def test_hash_name_and_storage(self) -> None:
        content = SAMPLES["png"]
        attachment = self.add(upload("png", "../../../etc/cron.d/evil\x00.png", content))
        self.assertEqual(attachment.sha256, hashlib.sha256(content).hexdigest())
        self.assertEqual(attachment.size, len(content))
        self.assertEqual(attachment.original_name, "evil.png")
        self.assertTrue(attachment.file.name.startswith("incidents/"))
        self.assertIn(attachment.sha256, attachment.file.name)
        self.assertNotIn("evil", attachment.file.name)
        self.assertEqual(attachment.file.open("rb").read(), content)
        self.assertEqual(attachment.history.first().history_user, self.officer_a)
        self.assertTrue(
            IncidentLog.objects.filter(incident=self.incident, action="attachment").exists()
        )

    def test_report_and_point(self) -> None:
        report = make_report(self.incident)
        attachment = self.add(upload("jpeg"), report=report, lon=117.0, lat=36.6)
        self.assertEqual((attachment.report, attachment.lon), (report, 117.0))
        other = make_incident(self.world, self.world.county_a)
        with self.assertRaises(ValidationError) as ctx:
            self.add(upload("jpeg"), report=other.reports.get())
        self.assertEqual(set(ctx.exception.message_dict), {"report"})
        with self.assertRaises(ValidationError):
            self.add(upload("jpeg"), lon=117.0)
        with self.assertRaises(ValidationError):
            self.add(upload("jpeg"), lon=500.0, lat=36.0)

    def test_scope(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.attachment_add(
                actor=self.world.user(Role.COUNTY_OFFICER, "b"),
                incident=self.incident,
                upload=upload("jpeg"),
            )
        with self.assertRaises(PermissionDenied):
            services.attachment_add(
                actor=self.world.user(Role.VIEWER, "city"),
                incident=self.incident,
                upload=upload("jpeg"),
            )
        self.assertFalse(Attachment.objects.exists())

    def test_sniff_never_reads_names(self) -> None:
        self.assertIsNone(services.sniff(b""))
        self.assertIsNone(services.sniff(b"PK\x03\x04"))  # a zip without the file to open
        self.assertEqual(services.sniff(SAMPLES["heic"]), "heic")
        self.assertEqual(services.sniff(b"#!AMR-WB\n"), "amr")
