"""Content-Security-Policy on every response: the browser runs only our own script files
(static/js/, vendored htmx, the admin's and Swagger UI's files), never inline script or
inline event handlers, so injected markup cannot run even if escaping ever failed.

A view may set its own, stricter policy (evidence downloads send `sandbox`); it is kept.
`CONTENT_SECURITY_POLICY_BY_PATH` gives a path prefix its own policy: Swagger UI at
/api/docs/ sets inline styles from its bundle, so it may use inline *style* (never script).
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        for prefix, own in settings.CONTENT_SECURITY_POLICY_BY_PATH.items():
            if request.path.startswith(prefix):
                policy = own
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
