from django.urls import path

from workflows.automation import views

urlpatterns = [
    path("", views.workflow_index, name="workflow_index"),
    path("new/", views.workflow_create, name="workflow_create"),
    path("<int:number>/", views.workflow_detail, name="workflow_detail"),
    path("<int:number>/edit/", views.workflow_edit, name="workflow_edit"),
    path("<int:number>/delete/", views.workflow_delete, name="workflow_delete"),
]
