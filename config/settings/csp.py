"""Content-Security-Policy (django-csp 4): every asset is served by the app itself, and no page runs
inline code, so an injected <script>, event handler or style attribute does nothing.

Our templates and the Django admin's have no inline scripts, event handlers or style attributes;
data for scripts travels in data-* attributes or json_script blocks (type="application/json" is
data, not code). Keep it that way: a nonce or 'unsafe-inline' here would weaken every page.
https://django-csp.readthedocs.io/en/latest/configuration.html
"""

from csp.constants import NONE, SELF

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],  # the keepalive button and passkey ceremonies fetch from the app
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],  # as X-Frame-Options: DENY, for browsers that read only CSP
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
