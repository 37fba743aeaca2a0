"""One BLAS thread for the structure code's matrix products.

The products are small or tall and thin; more BLAS threads only contend on a
shared machine.  ``threadpoolctl.threadpool_limits`` inspects the loaded
libraries on every call (about 2 ms); one controller, made once, limits them
in microseconds.  On a busy 2-core machine the difference is large: the ML
CFA's Fisher scoring took 0.35 s with OpenBLAS's threads against 0.02 s on
one thread (32 items).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread", "single_blas"]

P = ParamSpec("P")
R = TypeVar("R")

_CONTROLLER: ThreadpoolController | None = None


def one_blas_thread() -> Any:
    """A context manager that runs BLAS on one thread."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def single_blas(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with one BLAS thread (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper
