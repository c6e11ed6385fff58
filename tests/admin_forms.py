"""Posting an admin change form as a browser would: every field as the page shows it, then the changes."""

from __future__ import annotations


def _field_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif value is not None:
            data[key] = str(value)
    return data


def admin_form_data(response, **changes) -> dict:
    """The POST body of the admin form on `response` (a GET of an add or change page), with `changes`."""
    context = response.context
    data = _field_data(context["adminform"].form)
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    data.update(changes)
    return data
