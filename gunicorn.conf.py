"""gunicorn's settings, read from the project root (gunicorn's default `./gunicorn.conf.py`) wherever it starts.

Answers name no server software: gunicorn writes `Server: gunicorn` (older releases added the version), which
tells a scanner which exploits to try and tells a patient nothing. gunicorn has no setting for this header; every
answer (HTTP/2 ones too) carries the value of `gunicorn.http.wsgi.SERVER`, so it is replaced here, in the master
before any worker forks. nginx in front should also run with `server_tokens off;`.
"""

import gunicorn
import gunicorn.http.wsgi

SERVER_NAME = "clinic"

gunicorn.SERVER = SERVER_NAME
gunicorn.SERVER_SOFTWARE = SERVER_NAME
gunicorn.http.wsgi.SERVER = SERVER_NAME
gunicorn.http.wsgi.SERVER_SOFTWARE = SERVER_NAME
