"""The platform's URLs plus the yardstick endpoint of ``bench.intake``."""

from django.urls import path

from bench.yardstick.views import PingView
from config.urls import handler404, handler500
from config.urls import urlpatterns as platform_urls

urlpatterns = [path("bench/yardstick/", PingView.as_view(), name="bench-yardstick"), *platform_urls]

__all__ = ["handler404", "handler500", "urlpatterns"]
