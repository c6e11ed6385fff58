from django.urls import path

from reports import views

urlpatterns = [
    path("", views.report_index, name="report_index"),
    path("new/", views.report_form, name="report_create"),
    path("<uuid:report_id>/", views.report_detail, name="report_detail"),
    path("<uuid:report_id>/edit/", views.report_form, name="report_edit"),
    path("<uuid:report_id>/export.csv", views.report_export, name="report_export"),
    path("<uuid:report_id>/delete/", views.report_delete, name="report_delete"),
]
