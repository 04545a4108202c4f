from django.urls import path

from . import views

app_name = "duty"

urlpatterns = [
    path("log/", views.duty_log, name="log"),
]
