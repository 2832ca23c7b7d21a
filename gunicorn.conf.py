"""gunicorn's settings, read from the project root (gunicorn's default `./gunicorn.conf.py`) wherever it starts.

The worker is gevent's: every connection, page or socket, is a greenlet in one OS thread, so an idle Socket.IO
connection costs a few kilobytes instead of a thread (docs/architecture.md, "Concurrency"). The worker
monkey-patches the standard library before it loads the app; nothing here imports the app, so the master stays
unpatched and imports nothing the worker would have to patch late.

Answers name no server software: gunicorn writes `Server: gunicorn` (older releases added the version), which
tells a scanner which exploits to try and tells a patient nothing. gunicorn has no setting for this header; every
answer (HTTP/2 ones too) carries the value of `gunicorn.http.wsgi.SERVER`, so it is replaced here, in the master
before any worker forks. nginx in front should also run with `server_tokens off;`.
"""

import os
import resource

import gunicorn
import gunicorn.http.wsgi

SERVER_NAME = "clinic"

gunicorn.SERVER = SERVER_NAME
gunicorn.SERVER_SOFTWARE = SERVER_NAME
gunicorn.http.wsgi.SERVER = SERVER_NAME
gunicorn.http.wsgi.SERVER_SOFTWARE = SERVER_NAME

worker_class = "gevent"

# The app refuses Socket.IO connections past REALTIME_MAX_CONNECTIONS (app/config.py, same default); gunicorn stops
# accepting at worker_connections. The difference is kept for page requests, so a process full of sockets still
# serves pages and /healthz.
REALTIME_MAX_CONNECTIONS = int(os.environ.get("REALTIME_MAX_CONNECTIONS") or 5000)
PAGE_CONNECTIONS = int(os.environ.get("PAGE_CONNECTIONS") or 1000)
worker_connections = REALTIME_MAX_CONNECTIONS + PAGE_CONNECTIONS

# Each connection is a file descriptor; the usual soft limit (1024) would refuse sockets long before the app does.
# Raised here as far as the hard limit allows (systemd: LimitNOFILE); workers inherit it.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_wanted = worker_connections + 200  # the database pool, Redis, the object store, logs
if _soft != resource.RLIM_INFINITY and _soft < _wanted:
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (_wanted if _hard == resource.RLIM_INFINITY else min(_wanted, _hard), _hard)
    )
