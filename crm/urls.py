from django.urls import path

from crm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("o/<slug:type_name>/", views.record_index, name="record_index"),
    path("o/<slug:type_name>/<str:record_id>/", views.record_detail, name="record_detail"),
    path("o/<slug:type_name>/<str:record_id>/reveal/<slug:name>/", views.record_reveal, name="record_reveal"),
]
