"""The super admins' settings area, included at /settings/.

Schema screens from crm/ui/settings/, people and security screens from accounts/views/settings/.
"""

from django.urls import path

from accounts.views.settings import apps, base, security, super_admins, teams, users
from crm.ui.settings import access, object_types, properties, sensitivity

urlpatterns = [
    path("", base.settings_index, name="settings_index"),
    path("properties/", properties.property_list, name="settings_properties"),
    path("properties/<slug:type_name>/", properties.property_list, name="settings_property_list"),
    path("properties/<slug:type_name>/new/", properties.property_create, name="settings_property_create"),
    # The action comes before the property's name, so that no name (e.g. "new") can shadow a page.
    path("properties/<slug:type_name>/edit/<slug:name>/", properties.property_edit, name="settings_property_edit"),
    path(
        "properties/<slug:type_name>/sensitivity/<slug:name>/",
        sensitivity.property_sensitivity,
        name="settings_property_sensitivity",
    ),
    path("properties/<slug:type_name>/access/<slug:name>/", access.property_access, name="settings_property_access"),
    path("object-types/", object_types.object_type_list, name="settings_object_types"),
    path("users/", users.user_list, name="settings_users"),
    path("users/new/", users.user_create, name="settings_user_create"),
    path("users/<uuid:user_id>/", users.user_detail, name="settings_user_detail"),
    path("users/<uuid:user_id>/super-admin/", super_admins.user_super_admin, name="settings_user_super_admin"),
    path("users/<uuid:user_id>/invite/", users.user_invite, name="settings_user_invite"),
    path("users/<uuid:user_id>/active/", users.user_active, name="settings_user_active"),
    path("teams/", teams.team_list, name="settings_teams"),
    path("teams/<uuid:team_id>/", teams.team_detail, name="settings_team_detail"),
    path("teams/<uuid:team_id>/delete/", teams.team_delete, name="settings_team_delete"),
    path("security/", security.security, name="settings_security"),
    path("apps/", apps.app_list, name="settings_apps"),
    path("apps/new/", apps.app_create, name="settings_app_create"),
    path("apps/<uuid:app_id>/", apps.app_detail, name="settings_app_detail"),
    path("apps/<uuid:app_id>/rotate/", apps.app_rotate, name="settings_app_rotate"),
    path("apps/<uuid:app_id>/revoke/", apps.app_revoke, name="settings_app_revoke"),
]
