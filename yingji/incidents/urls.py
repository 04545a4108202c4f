from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("board/", views.board, name="board"),
    path("board/changes/", views.board_changes, name="board_changes"),
    path("board/rows/", views.board_rows, name="board_rows"),
    path("report/new/", views.report_new, name="report_new"),
    path("report/done/<int:pk>/", views.report_done, name="report_done"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/reports/", views.report_submit_view, name="report_submit"),
    path("<int:pk>/status/", views.set_status, name="set_status"),
    path("<int:pk>/severity/", views.set_severity, name="set_severity"),
    path("<int:pk>/liaison/", views.set_liaison, name="set_liaison"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/documents/<str:kind>/", views.document, name="document"),
    path("reports/<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
]
