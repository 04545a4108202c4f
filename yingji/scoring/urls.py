from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("", views.ranking_page, name="rankings"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("entries/", views.entry_list, name="entry_list"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/generate/", views.notice_generate, name="notice_generate"),
    path("notices/<int:pk>/download/", views.notice_download, name="notice_download"),
    path("notices/<int:pk>/issue/", views.notice_issue, name="notice_issue"),
]
