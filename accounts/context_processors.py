from accounts.security import session_limits


def session_security(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_idle_seconds": session_limits(user)[0]}
