"""Build the Lambda dependency layers without Docker: ``python layers/build.py [name ...]``.

Each ``layers/<name>/requirements.txt`` is installed with pip's cross-platform options (arm64 wheels for
CPython 3.12, binary only) into ``layers/<name>/python``. An optional ``layers/<name>/sdists.txt`` names
pure-Python packages published only as sdists: each is built to a ``py3-none-any`` wheel here and installed
with ``--no-deps`` (its dependencies belong in requirements.txt); a built wheel that is not pure is refused.
The layer is then trimmed: packages the Lambda runtime
already has (boto3, botocore, s3transfer), console scripts, tests, caches and type stubs. Versions come from ``requirements/lock.txt`` (pip constraints), the lock every install uses.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LAYERS = Path(__file__).resolve().parent
LOCK = LAYERS.parent / "requirements" / "lock.txt"
PLATFORM_ARGS = [
    "--platform",
    "manylinux2014_aarch64",
    "--platform",
    "manylinux_2_28_aarch64",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
    "--only-binary=:all:",
]
IN_RUNTIME = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3", "six")
TRIM_DIRS = ("tests", "test", "__pycache__")
BUDGET_MB = 90  # of the 250 MB unzipped limit; the rest is the code asset and headroom


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def trim(target: Path) -> None:
    """Delete what Lambda does not need from an installed layer directory."""
    for entry in list(target.iterdir()):
        name = entry.name.lower()
        if entry.name == "bin" or any(name.startswith(p) for p in IN_RUNTIME):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
    for pattern in TRIM_DIRS:
        for found in list(target.rglob(pattern)):
            if found.is_dir():
                shutil.rmtree(found, ignore_errors=True)
    for stub in target.rglob("*.pyi"):
        stub.unlink()


def _pip(*args: str, python: str = sys.executable) -> None:
    subprocess.run([python, "-m", "pip", *args], check=True)


def install_pure_sdists(sdists: Path, target: Path, python: str = sys.executable) -> list[str]:
    """Build each requirement of ``sdists`` to a wheel and install it into ``target`` without dependencies.

    Returns the wheel file names. Raises ``RuntimeError`` for a wheel that is not ``py3-none-any``
    (it would not run on the Lambda architecture).
    """
    with tempfile.TemporaryDirectory() as tmp:
        _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", tmp, "-c", str(LOCK), "-r", str(sdists),
             python=python)
        wheels = sorted(Path(tmp).glob("*.whl"))
        impure = [w.name for w in wheels if not w.name.endswith("-py3-none-any.whl")]
        if impure:
            raise RuntimeError(f"{sdists} must list pure-Python packages only; built {', '.join(impure)}")
        if wheels:
            _pip("install", "--quiet", "--no-compile", "--no-deps", "--target", str(target),
                 *[str(w) for w in wheels], python=python)
        return [w.name for w in wheels]


def install(name: str, target: Path, platform_args: list[str], python: str = sys.executable) -> float:
    """Install ``layers/<name>`` (versions from the lock) into ``target`` and trim it; size in MB.

    ``platform_args`` empty installs for the host and ``python``, the interpreter whose pip runs (what
    ``make package-check`` imports from, with the Lambda runtime's Python version when available).
    """
    requirements = LAYERS / name / "requirements.txt"
    shutil.rmtree(target, ignore_errors=True)
    _pip("install", "--quiet", "--no-compile", *platform_args, "--target", str(target),
         "-c", str(LOCK), "-r", str(requirements), python=python)
    sdists = LAYERS / name / "sdists.txt"
    if sdists.is_file():
        install_pure_sdists(sdists, target, python)
    trim(target)
    return _size_mb(target)


def build(name: str) -> float:
    """Install and trim ``layers/<name>`` for Lambda (arm64, Python 3.12); returns its size in MB."""
    return install(name, LAYERS / name / "python", PLATFORM_ARGS)


def main(argv: list[str] | None = None) -> int:
    """Build the named layers (all with a requirements.txt by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="layer directories under layers/ (default: all)")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.parent.name for p in LAYERS.glob("*/requirements.txt"))
    status = 0
    for name in names:
        size = build(name)
        print(f"layers/{name}/python: {size:.1f} MB")
        if size > BUDGET_MB:
            print(f"layers/{name} exceeds its {BUDGET_MB} MB budget", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
