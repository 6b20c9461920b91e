"""The arguments of the Python API, checked against the functions' annotations.

A wrong argument (None where a path is needed, a number where records are, a string where a
list is) is one :class:`~paperlike.errors.ArgumentError` naming the function, the argument,
what it must be and what it was, before the function runs, rather than a TypeError or an
AttributeError from deep inside it. The checks are shallow: the argument's own type, and the
type of each item of a list or iterable of records, ids or paths (an iterator is read into a
list first, so that its items can be checked and the function still gets them all). Values
(a k out of range, an unknown method) are the functions' own to check.
"""

from __future__ import annotations

import collections.abc as abc
import functools
import inspect
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any, TypeVar

from .errors import ArgumentError

__all__ = ["checked"]

F = TypeVar("F", bound=Callable[..., Any])

# What each class that annotations name accepts, and how a message names it.
_ACCEPTS: dict[Any, tuple[type, ...]] = {Path: (str, os.PathLike), PurePath: (str, os.PathLike),
                                         float: (float, int), abc.Callable: (abc.Callable,)}
_NAMES = {str: "str", Path: "a path", PurePath: "a path", os.PathLike: "a path", int: "int", float: "a number", bool: "bool",
          type(None): "None", abc.Callable: "a function", dict: "a dict"}
_ITEMS = {abc.Iterable: "an iterable", abc.Sequence: "a sequence", list: "a list", tuple: "a tuple",
          abc.Collection: "a collection", set: "a set", frozenset: "a set"}


class _Alternative:
    """One member of an annotation's union: the classes a value may be of, and those its
    items may be of (None: not checked)."""

    def __init__(self, accepts: tuple[type, ...], items: tuple[type, ...] | None, name: str):
        self.accepts, self.items, self.name = accepts, items, name


def _alternatives(annotation: Any) -> list[_Alternative] | None:
    """The annotation as alternatives, or None if it cannot be checked (Any, a TypeVar, ...)."""
    if annotation is None or annotation is type(None):
        return [_Alternative((type(None),), None, "None")]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        alternatives = [_alternatives(arg) for arg in args]
        if any(a is None for a in alternatives):
            return None
        return [alternative for group in alternatives for alternative in group]
    if origin is typing.Literal:
        return None
    if origin is not None and origin in _ITEMS:
        items = _alternatives(args[0]) if args else None
        flat = None if items is None or any(a.items is not None for a in items) else tuple(
            c for a in items for c in a.accepts)
        names = " or ".join(a.name for a in items) if items else "anything"
        return [_Alternative((origin,), flat, f"{_ITEMS[origin]} of {names}")]
    if origin is abc.Callable or annotation is abc.Callable:
        return [_Alternative((abc.Callable,), None, "a function")]
    if origin is not None:  # another generic (dict[str, int], type[...]): its class alone
        annotation = origin
    if not isinstance(annotation, type):
        return None
    return [_Alternative(_ACCEPTS.get(annotation, (annotation,)), None,
                         _NAMES.get(annotation, _article(annotation.__name__)))]


def _article(name: str) -> str:
    return f"an {name}" if name[:1] in "AEIOU" else f"a {name}"


def _is(value: object, classes: tuple[type, ...]) -> bool:
    # a bool is an int to Python, not to an API that asks for a number
    return isinstance(value, classes) and (not isinstance(value, bool) or bool in classes)


def _check(function: str, name: str, alternatives: list[_Alternative], value: object,
           items_too: bool = True) -> object:
    """The value (an iterator read into a list), or ArgumentError."""
    matching = [a for a in alternatives if _is(value, a.accepts)]
    if not matching:
        expected = " or ".join(dict.fromkeys(a.name for a in alternatives))
        raise ArgumentError(f"{function}(): {name} must be {expected}, not {_describe(value)}")
    if any(a.items is None for a in matching):  # a class of its own (a Corpus, a str) before its items
        return value
    items = matching[0].items
    if isinstance(value, abc.Iterator):
        value = list(value)
    if not items_too:
        return value
    if isinstance(value, (abc.Sized, list)) and not isinstance(value, (str, bytes, dict)):
        for i, item in enumerate(value):
            if not _is(item, items):
                raise ArgumentError(f"{function}(): {name}[{i}] must be "
                                    f"{' or '.join(dict.fromkeys(_NAMES.get(c, _article(c.__name__)) for c in items))}, "
                                    f"not {_describe(item)}")
    return value


def _describe(value: object) -> str:
    if value is None:
        return "None"
    text = repr(value) if isinstance(value, (str, int, float, bytes)) else ""
    return f"{type(value).__name__} {text[:40]}".rstrip() if text else _article(type(value).__name__)


def checked(function: F | None = None, *, own_items: tuple[str, ...] = ()) -> F:
    """``function``, its arguments checked against its annotations on every call. The items
    of the arguments named in ``own_items`` are left to the function, which checks them itself
    (each request of a batch, by its number)."""
    if function is None:
        return functools.partial(checked, own_items=own_items)  # type: ignore[return-value]
    signature = inspect.signature(function)
    checks: dict[str, list[_Alternative]] | None = None

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        nonlocal checks
        if checks is None:  # the annotations name classes defined after the function
            hints = typing.get_type_hints(function)
            checks = {name: alternatives for name in signature.parameters
                      if name in hints and (alternatives := _alternatives(hints[name])) is not None}
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ArgumentError(f"{function.__name__}(): {exc}") from None
        for name, value in bound.arguments.items():
            if name in checks:
                bound.arguments[name] = _check(function.__name__, name, checks[name], value,
                                               items_too=name not in own_items)
        return function(*bound.args, **bound.kwargs)

    return wrapper  # type: ignore[return-value]
