from django.urls import path

from . import views

app_name = "supplies"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("warehouses/", views.warehouse_list, name="warehouse_list"),
    path("warehouses/<int:pk>/", views.warehouse_detail, name="warehouse_detail"),
    path("warehouses/<int:pk>/receive/", views.warehouse_receive, name="warehouse_receive"),
    path("lots/", views.lot_list, name="lot_list"),
    path("lots/<int:pk>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/<slug:action>/", views.lot_detail, name="lot_action"),
    path("ledger/", views.movement_list, name="movement_list"),
    path("dispatch/", views.dispatch, name="dispatch"),
]
