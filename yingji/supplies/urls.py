from django.urls import path

from yingji.core.registry_forms import record_form_urls

from . import views

app_name = "supplies"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("warehouses/", views.warehouse_list, name="warehouse_list"),
    path("warehouses/<int:pk>/", views.warehouse_detail, name="warehouse_detail"),
    path("warehouses/<int:pk>/receive/", views.warehouse_receive, name="warehouse_receive"),
    *record_form_urls(views.WAREHOUSE_FORM, prefix="warehouses/"),
    path("items/", views.item_list, name="item_list"),
    *record_form_urls(views.ITEM_FORM, prefix="items/"),
    path("lots/", views.lot_list, name="lot_list"),
    *record_form_urls(views.LOT_FORM, prefix="lots/"),
    path("lots/<int:pk>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/<slug:action>/", views.lot_detail, name="lot_action"),
    path("ledger/", views.movement_list, name="movement_list"),
    path("dispatch/", views.dispatch, name="dispatch"),
]
