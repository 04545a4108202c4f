from django.urls import path

from . import views

app_name = "reporters"

urlpatterns = [
    # S5 基层信息员
    path("officers/", views.officer_list, name="officer_list"),
    path("officers/new/", views.officer_create, name="officer_create"),
    path("officers/<int:pk>/", views.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/edit/", views.officer_edit, name="officer_edit"),
    path("officers/<int:pk>/trainings/", views.officer_training_add, name="officer_training_add"),
    path("rosters/", views.roster_page, name="roster_page"),
    path("rosters/file/", views.roster_file, name="roster_file"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster_detail"),
    path("rosters/<int:pk>/review/", views.roster_review, name="roster_review"),
    # S6 信息直报点
    path("points/", views.point_list, name="point_list"),
    path("points/register/", views.point_register, name="point_register"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
]
