from django.urls import path

from crm.ui.views import home, index, records

urlpatterns = [
    path("", home.home, name="home"),
    path("o/<slug:type_name>/", index.record_index, name="record_index"),
    # Before the record page, whose <record_id> would take "new" too.
    path("o/<slug:type_name>/new/", records.record_create, name="record_create"),
    path("o/<slug:type_name>/<str:record_id>/", records.record_detail, name="record_detail"),
    path("o/<slug:type_name>/<str:record_id>/edit/", records.record_update, name="record_update"),
    path("o/<slug:type_name>/<str:record_id>/delete/", records.record_delete, name="record_delete"),
    path("o/<slug:type_name>/<str:record_id>/reveal/<slug:name>/", records.record_reveal, name="record_reveal"),
]
