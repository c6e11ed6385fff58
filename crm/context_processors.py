from crm import selectors


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_object_types": list(selectors.object_type_list(actor=user))}
