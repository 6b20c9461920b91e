"""What the estimators (Vectorizer, Ranker, Lsa, Deduplicator) share, as scikit-learn's do.

Their parameters are the constructor's keyword arguments, kept as attributes of the same name;
:class:`Params` reads them back from the signature (a saved model's manifest stores them), and
:func:`check_fitted` says clearly that an estimator needs ``fit`` before it can answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from .errors import NotFittedError

__all__ = ["Params", "check_fitted"]


class Params:
    """``get_params`` and ``set_params`` from the constructor's signature."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name, p in signature.parameters.items()
                if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, in its order, JSON-ready (a tuple as a list), as the
        manifest stores them: ``type(self)(**get_params())`` makes the same estimator."""
        return {name: _plain(getattr(self, name)) for name in self._param_names()}

    def set_params(self, **params: Any) -> Params:
        """Change parameters (names as the constructor's); the constructor checks and
        normalises the values, and any fitted state is kept as it is. Returns self."""
        names = self._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters are {', '.join(names)}")
        type(self).__init__(self, **{**{name: getattr(self, name) for name in names}, **params})
        return self


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def check_fitted(estimator: object, attributes: str | Iterable[str], doing: str | None = None) -> None:
    """Raise NotFittedError unless the estimator has every one of the fitted ``attributes``
    (names ending in ``_``, set by ``fit``). ``doing`` names what needed them."""
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    if all(hasattr(estimator, name) for name in names):
        return
    name = type(estimator).__name__
    what = f" before {doing}" if doing else ""
    raise NotFittedError(f"this {name} is not fitted yet: call its fit(){what}, or load a fitted model")
