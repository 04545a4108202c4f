from django.db import models


class Ping(models.Model):
    """One row per request of the yardstick endpoint (a key, a title, a time)."""

    key = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
