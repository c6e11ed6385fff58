from django.urls import path

from crm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("o/<slug:type_name>/", views.record_index, name="record_index"),
    # Before the record page, whose <record_id> would take "new" too.
    path("o/<slug:type_name>/new/", views.record_create, name="record_create"),
    path("o/<slug:type_name>/<str:record_id>/", views.record_detail, name="record_detail"),
    path("o/<slug:type_name>/<str:record_id>/edit/", views.record_update, name="record_update"),
    path("o/<slug:type_name>/<str:record_id>/delete/", views.record_delete, name="record_delete"),
    path("o/<slug:type_name>/<str:record_id>/reveal/<slug:name>/", views.record_reveal, name="record_reveal"),
]
