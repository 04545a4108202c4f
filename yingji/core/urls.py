from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("systems/<str:system_id>/", views.system_page, name="system"),
    path("history/<str:app_label>/<str:model_name>/<int:pk>/", views.history, name="history"),
    path("healthz", views.healthz, name="healthz"),
]
