"""The lookups one template rendering keeps for itself (the catalog, date formatters, link patterns).

Why not simply on the template's context, as first written: Jinja keeps the context of a template imported without
`with context` (a macro file) for the whole process, so what a macro cached there (the first viewer's language,
timezone and catalog) was printed to every later viewer; and a call made in a loop that sets a variable gets a
fresh context derived for that one call, so nothing cached there lasted beyond the call (the appointment table's
links: a context built and a pattern looked up again per link). Here the cache hangs on the context's evaluation
context, which the derived contexts share, and holds for one request only: a context that outlives its request
starts over.
"""

from flask.globals import _cv_request  # the request context itself: one ContextVar read, no proxy

# Where a rendering keeps its cache: (the request context it belongs to, the cache).
_KEPT = "_clinic_rendering"


def rendering_cache(context) -> dict:
    """A dict for the lookups of the rendering `context` belongs to, emptied for each new request (a fresh dict on
    every call outside a request, where nothing tells one rendering from the next)."""
    current = _cv_request.get(None)
    if current is None:
        return {}
    kept = context.eval_ctx.__dict__.get(_KEPT)
    if kept is None or kept[0] is not current:
        kept = context.eval_ctx.__dict__[_KEPT] = (current, {})
    return kept[1]
