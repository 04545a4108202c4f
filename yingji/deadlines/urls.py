from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_add"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
