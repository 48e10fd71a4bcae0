"""The array kernels, compiled ahead of time: a short run need not import numba (nor scipy).

Why: a 187,500-bar backtest computes in well under 0.1 s, but ``import numba`` costs about 0.4 s,
its array maths imports scipy.linalg (0.2 s more) and loading the cached machine code of each
kernel another 0.3 to 0.5 s; with an empty cache, compiling takes tens of seconds. So the kernels
(the numba functions of :data:`KERNELS`, written once in their source modules) are also compiled
by ``numba.pycc`` into one C extension module, ``_vyapari_kernels``, which imports in about a
millisecond and needs numpy only. ``vyapari warmup`` builds it (``make setup`` and the container
image build run that once after installing; a C compiler is needed then, not at run time).

Where: ``<cache>/kernels/<key>/`` under vyapari's cache folder (``$VYAPARI_CACHE_DIR``, else
``$XDG_CACHE_HOME/vyapari``, else ``~/.cache/vyapari``). ``key`` hashes the kernels' source files,
the exported signatures, the numba and numpy versions and the Python ABI: a change to any of
them names another folder, so a stale module is never loaded.

Fallback: :func:`kernel` returns the compiled function when the module for the current key loads,
else numba's JIT dispatcher of the same source (``cache=True``, as before), so a missing, stale or
broken module only costs time. Arguments are checked against the compiled signature: arrays of the
declared dtype and rank are made C-contiguous (a copy only for a strided view), integers pass where a
float is declared (as numba would widen them), and anything else (another dtype, a float where an
integer is declared) goes to the JIT, which compiles the signature it was given, as it always has.
The compiled code is the same numba code (no fastmath), so both give bit-identical results
(``tests/unit/backtest/test_aot_kernels.py``). ``VYAPARI_KERNELS=jit`` forces the JIT.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

MODULE = "_vyapari_kernels"

Kernel = Callable[..., Any]


class Spec(NamedTuple):
    """One exported kernel: its source module, function name, argument kinds and return type.

    Argument kinds: ``"i8:2"`` is a C-contiguous 2-D int64 array (``b1`` bool, ``i4`` int32,
    ``f8`` float64; ``:1`` 1-D), ``"b"``/``"i"``/``"f"`` a bool, int64 or float64 scalar."""

    module: str
    function: str
    args: tuple[str, ...]
    returns: str


KERNELS: dict[str, Spec] = {
    "target_fills": Spec(
        "vyapari.backtest.kernels", "target_fills",
        ("i8:2", "b1:2", "i8:2", "b1:2", "b1:2", "b1:1", "i8:1", "b", "b", "b", "f8:2"),
        "Tuple((i8[:,::1], i8[:,::1]))"),
    "realised_pnl": Spec(
        "vyapari.backtest.kernels", "realised_pnl", ("i8:1", "i8:1", "i8:1", "f8:1", "f8:2"), "f8[::1]"),
    "account": Spec(
        "vyapari.backtest.kernels", "account",
        ("i8:2", "f8:1", "f8:1", "f8:2", "b1:2", "f", "f", "f8:2", "f8:2"),
        "Tuple((f8[::1], i8[:,::1], i8))"),
    "netted": Spec(
        "vyapari.backtest.charge_loops", "netted",
        ("i8:1", "i8:1", "i8:1", "i8:1", "f8:1", "f8:2", "f8:2", "f8:1", "f8:1",
         "b", "b", "b", "f", "b", "b", "i", "i"),
        "f8[:,::1]"),
    "forward_fill_2d": Spec("vyapari.strategy._kernels", "forward_fill_2d", ("f8:2",), "f8[:,::1]"),
    "hold_sized": Spec(
        "vyapari.strategy._kernels", "hold_sized", ("f8:2", "i8:1", "i8:1", "i8:1"), "i8[:,::1]"),
    "crossover_state_2d": Spec(
        "vyapari.strategy._kernels", "crossover_state_2d", ("f8:2", "f8:2"), "f8[:,::1]"),
    "vwap_reversion_weights": Spec(
        "vyapari.strategies._kernels", "vwap_reversion_weights",
        ("f8:2", "f8:2", "f8:2", "f8:2", "b1:2", "i4:1", "i8:1", "f", "i", "f", "f", "i", "b"),
        "f8[:,::1]"),
    "orb_weights": Spec(
        "vyapari.strategies._kernels", "orb_weights",
        ("f8:2", "f8:2", "f8:2", "b1:2", "i4:1", "i8:1", "i", "i", "f", "f", "i", "b"),
        "f8[:,::1]"),
    "zscore_positions": Spec(
        "vyapari.strategies._kernels", "zscore_positions", ("f8:1", "f", "f"), "f8[::1]"),
}
"""Every kernel a backtest or a reference strategy calls, with the signature real runs use."""

SOURCES_TOO = ("vyapari.backtest.fill_refs",)
"""Modules the kernels read constants from: part of the key as well."""

_DTYPES = {"i8": "int64", "i4": "int32", "b1": "bool", "f8": "float64"}
_SCALARS = {"b": "b1", "i": "i8", "f": "f8"}


def signature(spec: Spec) -> str:
    """The numba signature text of ``spec`` (e.g. ``f8[::1](f8[::1], f8, f8)``)."""
    args = [_SCALARS[a] if a in _SCALARS else a[:2] + ("[:,::1]" if a.endswith(":2") else "[::1]")
            for a in spec.args]
    return f"{spec.returns}({', '.join(args)})"


def _sdk_root() -> Path:
    return Path(__file__).resolve().parent.parent


def _source_file(module: str) -> Path:
    return _sdk_root().joinpath(*module.split(".")[1:]).with_suffix(".py")


def dist_version(name: str) -> str:
    """An installed distribution's version ("" if not found), from its ``.dist-info`` folder's
    name: found without importing it (nor ``importlib.metadata``, which scans every distribution)."""
    spec = importlib.util.find_spec(name)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for info in Path(folder).parent.glob(f"{name}-*.dist-info"):
            return info.name[len(name) + 1 : -len(".dist-info")]
    return ""


@cache
def cache_key() -> str:
    """16 hex digits naming the compiled module's folder (see the module docstring)."""
    import numpy as np

    digest = hashlib.sha256(repr(sorted(KERNELS.items())).encode())  # the exports and their signatures
    modules = {*SOURCES_TOO, *(s.module for s in KERNELS.values())}
    for path in sorted(_source_file(m) for m in modules):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for part in (dist_version("numba"), np.__version__, sys.implementation.cache_tag, platform.machine()):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def kernels_dir() -> Path:
    """The folder the compiled module of the current key lives in (it may not exist)."""
    from vyapari.core.cache import cache_dir

    return cache_dir() / "kernels" / cache_key()


def _module_file(folder: Path) -> Path | None:
    found = sorted(folder.glob(f"{MODULE}.*.so")) + sorted(folder.glob(f"{MODULE}.*.pyd"))
    return found[0] if found else None


def load_compiled(folder: Path) -> ModuleType | None:
    """The compiled module in ``folder``, or None when absent or it does not load (never raises)."""
    path = _module_file(folder)
    if path is None:
        return None
    try:
        spec = importlib.util.spec_from_file_location(MODULE, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:
        return None
    return module if all(hasattr(module, name) for name in KERNELS) else None


@cache
def _compiled() -> ModuleType | None:
    if os.environ.get("VYAPARI_KERNELS", "").lower() == "jit":
        return None
    return load_compiled(kernels_dir())


def jit_kernel(name: str) -> Kernel:
    """numba's JIT dispatcher of kernel ``name`` (imports numba and the source module)."""
    spec = KERNELS[name]
    dispatcher: Kernel = getattr(importlib.import_module(spec.module), spec.function)
    return dispatcher


def _coerce(kinds: tuple[str, ...], args: tuple[Any, ...]) -> list[Any] | None:
    """``args`` as the compiled signature takes them, or None when one does not fit exactly."""
    import numpy as np

    out: list[Any] = []
    for kind, arg in zip(kinds, args, strict=True):
        if kind == "b":
            if not isinstance(arg, (bool, np.bool_)):
                return None
            out.append(bool(arg))
        elif kind == "i":
            if isinstance(arg, (bool, np.bool_)) or not isinstance(arg, (int, np.integer)):
                return None
            out.append(int(arg))
        elif kind == "f":
            number = isinstance(arg, (float, int, np.floating, np.integer))
            if isinstance(arg, (bool, np.bool_)) or not number:
                return None
            out.append(float(arg))
        else:
            array = np.asarray(arg)
            dtype = np.dtype(_DTYPES[kind[:2]])
            if array.ndim != int(kind[-1]) or array.dtype != dtype:  # the JIT would compile another
                return None
            out.append(np.ascontiguousarray(array, dtype=dtype))
    return out


def _wrap(name: str, compiled: Kernel) -> Kernel:
    kinds = KERNELS[name].args

    def call(*args: Any) -> Any:
        fitted = _coerce(kinds, args) if len(args) == len(kinds) else None
        if fitted is None:
            return jit_kernel(name)(*args)
        return compiled(*fitted)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"Kernel {name}, compiled ahead of time (see vyapari.core.aot)."
    return call


def load_kernels(folder: Path) -> dict[str, Kernel] | None:
    """Every kernel of the compiled module in ``folder``, wrapped as :func:`kernel` serves them
    (arguments checked, the JIT for what does not fit); None when it does not load."""
    module = load_compiled(folder)
    return None if module is None else {name: _wrap(name, getattr(module, name)) for name in KERNELS}


@cache
def kernel(name: str) -> Kernel:
    """Kernel ``name`` of :data:`KERNELS`: compiled ahead of time if available, else numba's JIT."""
    if name not in KERNELS:
        raise KeyError(f"no kernel {name!r}")
    module = _compiled()
    if module is None:
        return jit_kernel(name)
    return _wrap(name, getattr(module, name))


def using_compiled() -> bool:
    """True when :func:`kernel` serves the compiled module (for ``vyapari warmup`` and tests)."""
    return _compiled() is not None


def build(folder: Path | None = None) -> Path:
    """Compile :data:`KERNELS` with ``numba.pycc`` into ``folder`` (default :func:`kernels_dir`).

    Writes into a temporary folder beside it and renames it into place, so a reader never sees a
    partial module and two builds at once do not clash. Returns the module's path. Needs numba and
    a C compiler; raises what they raise (``vyapari warmup`` reports it and keeps the JIT).
    """
    target = kernels_dir() if folder is None else folder
    existing = _module_file(target)
    if existing is not None and load_compiled(target) is not None:
        return existing
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        _compile_into(work)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(work, target)
        except OSError:  # another build put its module there first
            if _module_file(target) is None:
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    _compiled.cache_clear()
    kernel.cache_clear()
    found = _module_file(target)
    if found is None:
        raise RuntimeError(f"no compiled module in {target}")
    return found


def _compile_into(work: Path) -> None:
    """Run ``numba.pycc`` on every kernel; leave only the module in ``work``."""
    import warnings

    with warnings.catch_warnings():  # pycc is "pending deprecation" since numba 0.57: the JIT stays
        warnings.simplefilter("ignore")
        from numba.pycc import CC

    cc = CC(MODULE)
    cc.output_dir = str(work)
    cc.verbose = False
    for name, spec in KERNELS.items():
        dispatcher: Any = jit_kernel(name)  # numba's Dispatcher: compile its Python function
        cc.export(name, signature(spec))(dispatcher.py_func)
    cc.compile()
    built = _module_file(work)
    if built is None:
        raise RuntimeError(f"numba.pycc wrote no {MODULE} module")
    for extra in work.iterdir():  # keep only the module (pycc may leave object files)
        if extra != built:
            shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
