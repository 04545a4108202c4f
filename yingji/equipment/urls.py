from django.urls import path

from yingji.core.registry_forms import record_form_urls

from . import views

app_name = "equipment"

urlpatterns = [
    path("", views.equipment_list, name="equipment_list"),
    path("<int:pk>/", views.equipment_detail, name="equipment_detail"),
    *record_form_urls(views.EQUIPMENT_FORM),
]
