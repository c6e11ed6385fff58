from django.urls import path

from workflows import views

urlpatterns = [
    path("", views.list_index, name="list_index"),
    path("new/", views.list_create, name="list_create"),
    path("<int:number>/", views.list_detail, name="list_detail"),
]
