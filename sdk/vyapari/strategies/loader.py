"""Find a strategy from a reference: a reference name, an installed entry point, a module or a file.

A reference is one of

``sma_cross``
    a name of :data:`vyapari.strategies.STRATEGIES` (the reference strategies);
``my_momentum``
    the name of an entry point in the ``vyapari.strategies`` group, which an installed package
    registers in its ``pyproject.toml``::

        [project.entry-points."vyapari.strategies"]
        my_momentum = "my_package.momentum:Momentum"

``package.module:Name``
    an attribute of an importable module;
``path/to/file.py:Name``
    an attribute of a Python file (not in workflows run in AWS: :func:`check_portable`).

The attribute may be a :class:`~vyapari.strategy.strategy.Strategy` subclass (built with the
parameters as keyword arguments, or through its ``from_params(params)`` when it has one), a
ready ``Strategy`` instance (no parameters then), or a callable returning a ``Strategy`` from
keyword arguments. A strategy that keeps the default name is named after what the reference
points at (the class or callable, or an instance's signal class), so reports show its own name.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.core.errors import InvalidInput

if TYPE_CHECKING:  # numpy loads with a strategy, not for check_portable (light Lambdas plan runs)
    from vyapari.strategy.strategy import Strategy

ENTRY_POINT_GROUP = "vyapari.strategies"
DEFAULT_NAME = "strategy"
"""``Strategy.name`` of a class that set none (its class name is used instead)."""


def installed_strategies() -> dict[str, EntryPoint]:
    """Entry points of the ``vyapari.strategies`` group, by name (installed packages' strategies)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def is_file_reference(ref: str) -> bool:
    """True when ``ref`` names a Python file (``path/to/file.py:Name`` or ``file.py``)."""
    target = ref.rpartition(":")[0] if ":" in ref else ref
    return target.endswith(".py") or "/" in target or "\\" in target


def check_portable(ref: str, field: str = "strategy") -> None:
    """Refuse a reference a remote worker cannot resolve: a file path (its file is not there).

    Workflows run in AWS accept reference names, entry-point names and ``package.module:Name``
    of a package installed in the functions' image.
    """
    if is_file_reference(ref):
        raise InvalidInput(
            field,
            f"{ref!r} is a file path, which a workflow run in AWS cannot read: install the strategy "
            "as a package and use 'package.module:ClassName' or its 'vyapari.strategies' entry-point name",
        )
    if ":" not in ref and ref not in _reference_names() and ref not in installed_strategies():
        raise InvalidInput(field, _unknown_message(ref))


def _reference_names() -> list[str]:
    from vyapari.strategies import STRATEGIES

    return sorted(STRATEGIES)


def _unknown_message(ref: str) -> str:
    installed = sorted(installed_strategies())
    choices = ", ".join(_reference_names() + installed)
    return (
        f"unknown strategy {ref!r}: use one of {choices}, 'path/to/file.py:ClassName' "
        "or 'package.module:ClassName'"
    )


def _load_file(path_text: str) -> Any:
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise InvalidInput("strategy", f"file {path_text!r} does not exist")
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    module_name = f"vyapari_user_strategy_{resolved.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise InvalidInput("strategy", f"{path_text!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[module_name]
        raise
    return module


def _load_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise InvalidInput("strategy", f"cannot import module {name!r} ({exc})") from None


def resolve(ref: str) -> tuple[Any, str]:
    """The object ``ref`` points at and its label (the attribute or entry-point name)."""
    if ":" in ref:
        target, _, attr = ref.rpartition(":")
        if not target or not attr:
            raise InvalidInput("strategy", f"{ref!r} is not 'file.py:Name' or 'package.module:Name'")
        module = _load_file(target) if is_file_reference(ref) else _load_module(target)
        obj: Any = module
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise InvalidInput("strategy", f"{target!r} has no attribute {attr!r}")
            obj = getattr(obj, part)
        return obj, attr.rpartition(".")[2]
    if is_file_reference(ref):
        raise InvalidInput("strategy", f"{ref!r}: say which class, as 'file.py:ClassName'")
    installed = installed_strategies()
    if ref in installed:
        return installed[ref].load(), ref
    raise InvalidInput("strategy", _unknown_message(ref))


def build(obj: Any, label: str, params: Mapping[str, Any]) -> Strategy:
    """A :class:`Strategy` from what a reference points at (see the module docstring)."""
    from vyapari.strategy.strategy import Strategy
    if isinstance(obj, Strategy):
        if params:
            raise InvalidInput("params", f"{label} is a ready strategy instance; it takes no parameters")
        strategy = obj
        if type(strategy).name == DEFAULT_NAME and strategy.signal is not None:
            label = type(strategy.signal).__name__
    elif inspect.isclass(obj) and issubclass(obj, Strategy):
        from_params = getattr(obj, "from_params", None)
        strategy = from_params(params) if callable(from_params) else _call(obj, label, params)
        label = obj.__name__
    elif callable(obj) and not inspect.isclass(obj):
        strategy = _call(obj, label, params)
        if not isinstance(strategy, Strategy):
            raise InvalidInput("strategy", f"{label}() returned {type(strategy).__name__}, not a Strategy")
    else:
        raise InvalidInput(
            "strategy", f"{label} is a {type(obj).__name__}, not a Strategy subclass, instance or factory"
        )
    if strategy.name == DEFAULT_NAME:
        object.__setattr__(strategy, "name", label)  # the instance's own name, for every output
    if not strategy.params and not isinstance(obj, Strategy):
        built_with = {**_defaults(obj), **params}
        object.__setattr__(strategy, "_built_with", built_with)  # reported as its parameters
    return strategy


def _defaults(factory: Any) -> dict[str, Any]:
    """The keyword defaults of ``factory``'s signature (JSON-ready values only)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return {}
    return {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty and isinstance(p.default, (int, float, str, bool))
    }


def _call(factory: Any, label: str, params: Mapping[str, Any]) -> Any:
    try:
        inspect.signature(factory).bind(**params)
    except TypeError as exc:
        raise InvalidInput("params", f"not accepted by {label}: {exc}") from None
    except ValueError:  # no signature to check (a builtin): let the call say
        pass
    return factory(**params)


def load_strategy(ref: str, params: Mapping[str, Any] | None = None, *, factories: bool = True) -> Strategy:
    """Build the strategy ``ref`` names with ``params`` (see the module docstring).

    ``factories=False`` accepts only a ``Strategy`` subclass or instance behind a module or entry-point
    reference (what a request from the API may name), never another callable.
    """
    from vyapari.strategies import STRATEGIES
    from vyapari.strategy.strategy import Strategy

    params = dict(params or {})
    if ref in STRATEGIES:
        return STRATEGIES[ref](params)
    obj, label = resolve(ref)
    is_strategy = isinstance(obj, Strategy) or (inspect.isclass(obj) and issubclass(obj, Strategy))
    if not factories and not is_strategy:
        raise InvalidInput("strategy", f"{ref!r} is a {type(obj).__name__}, not a Strategy subclass")
    return build(obj, label, params)
