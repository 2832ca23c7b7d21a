"""The process's concurrency model, and CPU-bound work kept off its event loop.

In production every gunicorn worker is gevent's (gunicorn.conf.py): pages and sockets are greenlets taking turns
in one OS thread, switching whenever one waits for the network or the database. Code that computes for long
without waiting would hold up every other page and socket of the process meanwhile. Such work leaves the loop:

- C code that releases the GIL (argon2 password hashing, hashlib on large buffers) runs in gevent's pool of native
  threads through `off_the_loop`, so the greenlets go on while it computes;
- Python code that holds the GIL (PDF rendering, OCR) gains nothing from a thread: it belongs in a separate process
  (a process pool or a job worker), which the documents and labs features bring with them.

See docs/architecture.md, "Concurrency".
"""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def server_model() -> str:
    """Flask-SocketIO's async mode for the server running this process: "gevent" under gunicorn's gevent worker
    (it monkey-patches the standard library before loading the app), "threading" elsewhere (`flask run`, tests'
    in-process clients)."""
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def off_the_loop(function: Callable[..., T], *args) -> T:
    """Call a CPU-bound function that releases the GIL in a native thread under gevent (directly elsewhere), and
    return its result or raise its exception."""
    if server_model() != "gevent":
        return function(*args)
    import gevent

    # The exception comes back as a value: raised inside the pool, gevent would also print it to the log as a
    # failure of the pool (every mistyped password would leave a traceback there).
    succeeded, outcome = gevent.get_hub().threadpool.apply(_outcome, (function, args))
    if not succeeded:
        raise outcome
    return outcome


def _outcome(function: Callable, args: tuple) -> tuple[bool, object]:
    """(True, the result) or (False, the exception) of one call."""
    try:
        return True, function(*args)
    except Exception as exc:  # noqa: BLE001 - handed back to the caller, who re-raises it
        return False, exc
