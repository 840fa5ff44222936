"""Gunicorn's settings for production (`make serve-prod`; read by `gunicorn -c`).

Each setting can be overridden from the environment (WEB_CONCURRENCY, PORT, BIND...). The
app is loaded once in the master (`preload_app`), which also reads the matcher's supplier
pool before forking: the workers start warm and share those pages copy-on-write instead
of each reading the directory on its first match.
"""

from __future__ import annotations

import os

# The web workers' statements are bounded (a lock or a runaway query answers 503, not a
# worker held until the timeout below); imports and migrations, run apart, are not.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "15000")

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Synchronous workers: the app is CPU-light per request but holds the matcher's pool in
# memory (see README, "Production"): a few processes, not many.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
# A request longer than this is killed: the slowest page (a meeting day's schedule at 2,000
# requests) takes ~15 s; the database has its own statement timeout below this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (a slow leak never grows unbounded), not all at once.
max_requests = 2000
max_requests_jitter = 200
preload_app = True
# One line per request on stdout: client, request line, status, size, duration (µs), and
# the request id the app returns in its X-Request-Id header.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus id=%({x-request-id}o)s'
# Requests behind a TLS proxy on the same host: trust its forwarded headers (the app's
# own ProxyFix, PROXY_HOPS, decides what they mean for the client's address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Before the workers fork: read the supplier pool once, then close the database
    connections (a connection must never be shared across processes)."""
    from webapp.extensions import db
    from webapp.matching.pool import current_pool

    app = server.app.wsgi()
    with app.app_context():
        try:
            current_pool(db.session)
            server.log.info("matcher pool warm before fork")
        except Exception as error:  # an empty or unmigrated database: workers read it later
            server.log.warning("matcher pool not warmed: %s", error)
        finally:
            db.session.remove()
            db.engine.dispose()
