"""Deprecation aliases for renamed public names of the analysis layer.

One vocabulary runs through :mod:`analysis` (``data`` for the wide table,
``ci`` for a confidence level, ``min_group_size`` for the smallest group
shown).  Names used before that are still accepted for a while, with a
:class:`DeprecationWarning` that names the new spelling::

    @renamed_parameters(items="data")
    def cronbach_alpha(data, ci=0.95): ...

    cronbach_alpha(items=frame)
    # DeprecationWarning: cronbach_alpha(): the argument 'items' is deprecated; use 'data'
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["renamed_parameters", "deprecated_alias"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed_parameters(**renames: str) -> Callable[[F], F]:
    """Accept the old keyword names of a function's parameters, with a warning.

    Parameters
    ----------
    **renames : str
        ``old_name="new_name"`` for every renamed parameter.

    Returns
    -------
    callable
        A decorator.  The decorated function maps each old keyword to the new
        one and warns (``DeprecationWarning``, pointing at the caller); giving
        both the old and the new name is a ``TypeError``.
    """
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old!r} (deprecated) "
                                        f"and {new!r}; pass only {new!r}")
                    warnings.warn(f"{func.__name__}(): the argument {old!r} is deprecated; "
                                  f"use {new!r}", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__deprecated_parameters__ = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def deprecated_alias(func: F, old_name: str) -> F:
    """``func`` under its former name ``old_name``, warning on every call."""
    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"{old_name}() is deprecated; use {func.__name__}()",
                      DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name
    alias.__doc__ = f"Deprecated alias of :func:`{func.__name__}`."
    return alias  # type: ignore[return-value]
