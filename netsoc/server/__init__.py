"""The netsoc servers: many participants per process on Solara's virtual kernels.

- :mod:`netsoc.server.config`: :class:`ServerConfig`, the process's settings.
- :mod:`netsoc.server.pages`: the Solara pages (questionnaire, dashboard).
- :mod:`netsoc.server.guard`: what a visitor may reach and send (paths,
  token, room cap, websocket frames, page language).
- :mod:`netsoc.server.run`: start one process (:func:`serve`) or several
  (:func:`serve_workers`).
- :mod:`netsoc.server.net`: free ports and readiness probes.

Solara is imported only by ``pages``, ``guard`` (lazily) and ``run``.
"""

from netsoc.server.config import LOOPBACK, ServerConfig, is_loopback
from netsoc.server.net import free_port, wait_for_port

__all__ = ["LOOPBACK", "ServerConfig", "is_loopback", "free_port", "wait_for_port"]
