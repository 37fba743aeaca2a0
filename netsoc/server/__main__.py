"""``python -m netsoc.server '<config json>'``: one server process (see :mod:`netsoc.server.run`)."""

from __future__ import annotations

import sys

from netsoc.server.config import ServerConfig
from netsoc.server.run import serve


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m netsoc.server '<ServerConfig JSON>'", file=sys.stderr)
        return 2
    return serve(ServerConfig.from_json(args[0]), open_message="{url}")


if __name__ == "__main__":
    raise SystemExit(main())
