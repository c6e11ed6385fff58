"""The settings area's screens for people and sign-in: users, super admins, teams, record scopes, security.

The property and object type screens are in crm/ui/settings/; the URLs of both are crm/urls_settings.py.
"""
