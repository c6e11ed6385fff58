"""The super admins' settings area, included at /settings/."""

from django.urls import path

from crm import views_settings as views

urlpatterns = [
    path("", views.settings_index, name="settings_index"),
    path("properties/", views.property_list, name="settings_properties"),
    path("properties/<slug:type_name>/", views.property_list, name="settings_property_list"),
    path("properties/<slug:type_name>/new/", views.property_create, name="settings_property_create"),
    # The action comes before the property's name, so that no name (e.g. "new") can shadow a page.
    path("properties/<slug:type_name>/edit/<slug:name>/", views.property_edit, name="settings_property_edit"),
    path(
        "properties/<slug:type_name>/sensitivity/<slug:name>/",
        views.property_sensitivity,
        name="settings_property_sensitivity",
    ),
    path("properties/<slug:type_name>/access/<slug:name>/", views.property_access, name="settings_property_access"),
    path("object-types/", views.object_type_list, name="settings_object_types"),
    path("users/", views.user_list, name="settings_users"),
    path("users/new/", views.user_create, name="settings_user_create"),
    path("users/<uuid:user_id>/", views.user_detail, name="settings_user_detail"),
    path("users/<uuid:user_id>/super-admin/", views.user_super_admin, name="settings_user_super_admin"),
    path("users/<uuid:user_id>/invite/", views.user_invite, name="settings_user_invite"),
    path("users/<uuid:user_id>/active/", views.user_active, name="settings_user_active"),
    path("teams/", views.team_list, name="settings_teams"),
    path("teams/<uuid:team_id>/", views.team_detail, name="settings_team_detail"),
    path("teams/<uuid:team_id>/delete/", views.team_delete, name="settings_team_delete"),
    path("security/", views.security, name="settings_security"),
]
