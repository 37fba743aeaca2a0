"""The survey server for phones: a stateless Starlette (ASGI) app.

- :mod:`netsoc.server.config`: :class:`ServerConfig`, the process's settings.
- :mod:`netsoc.server.app`: the app (page, fingerprinted files, form messages) and
  its guard (token, budgets, headers).
- :mod:`netsoc.server.participant`: one participant's message, served by any worker.
- :mod:`netsoc.server.tokens`, :mod:`netsoc.server.messages`, :mod:`netsoc.server.limits`,
  :mod:`netsoc.server.assets`: the signed token, the message schemas, the budgets,
  the static files.
- :mod:`netsoc.server.serve`: start one process or ``--workers N`` (:func:`serve_survey`).
- :mod:`netsoc.server.net`: free ports and readiness probes.
"""

from netsoc.server.config import LOOPBACK, ServerConfig, is_loopback
from netsoc.server.net import free_port, wait_for_port

__all__ = ["LOOPBACK", "ServerConfig", "is_loopback", "free_port", "wait_for_port"]
