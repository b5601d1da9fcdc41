"""The web UI and REST API (``trueoem serve``): FastAPI, Jinja2 and vendored HTMX, all offline.

``create_app(store_url, auth=True)`` builds the app; ``serve(host, port, store_url, auth=True)`` runs
it. See ``docs/web.md``.
"""

from __future__ import annotations

from trueoem.web.app import check_bind, create_app, serve

__all__ = ["check_bind", "create_app", "serve"]
