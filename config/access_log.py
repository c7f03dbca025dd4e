"""gunicorn's logger with the secrets taken out of URLs (`logger_class` in config/gunicorn.py).

gunicorn writes each request's line itself, from "atoms" (the request line, path, query,
referer, headers): the token of `/track/<token>/…` and `/survey/<token>/` is replaced in
every atom before the line is formatted, whatever `access_log_format` says and whether the
line goes out as text or JSON. Its error log (a request that crashed names its path) gets
the same filter as the application's handlers.
"""

from gunicorn.glogging import Logger

from config.logs import RedactSecretsFilter, redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactSecretsFilter())
