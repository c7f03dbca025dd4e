"""gunicorn settings for the web process: `gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be changed by the environment (or a command-line flag, which wins), so one
image serves a laptop, the compose stack and a fleet behind a load balancer.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: each request holds one. About 2-4 per core; WEB_CONCURRENCY is the
# conventional knob (platforms set it).
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request still running after this many seconds is killed, its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Behind a load balancer that keeps connections open.
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on tmpfs: a container's overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Access log on stdout; the request id lets it be matched with the application's lines.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
# Tracking and survey tokens in URLs are replaced by [redacted] in every access-log atom
# and every error-log line (config/access_log.py).
logger_class = "config.access_log.RedactingLogger"

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (start, worker boot, access) as JSON too; the formatter turns
    # an access record into fields (method, path, status, duration_ms, request_id).
    # gunicorn merges this over its defaults key by key, so every key is given in full.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact_secrets"],
                "stream": "ext://sys.stderr",
            },
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact_secrets"],
                "stream": "ext://sys.stdout",
            },
        },
        "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
        "filters": {"redact_secrets": {"()": "config.logs.RedactSecretsFilter"}},
    }
