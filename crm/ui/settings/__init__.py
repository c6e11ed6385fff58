"""The settings area's screens for the schema: properties (incl. sensitivity and access) and object types.

The people and security screens are in accounts/views/settings/; the URLs of both are crm/urls_settings.py.
"""
