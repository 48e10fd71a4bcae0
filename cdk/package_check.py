"""``make package-check``: every synthesized function, imported and called from what is deployed.

For each ``AWS::Lambda::Function`` of the synthesized templates this builds exactly its package, then
runs :mod:`cdk.package_probe` in a fresh interpreter (``python -I -S``) that sees only that package:

* **zip**: the staged code asset from ``cdk.out`` plus each of its layers installed for the host
  from ``layers/<name>/requirements.txt`` with ``requirements/lock.txt`` as constraints (the same
  code ``make layers`` runs), plus the Lambda runtime's boto3 (from the lock). Over 250 MB unzipped
  fails.
* **image**: the image's requirements (the project's dependencies with the Dockerfile's
  ``IMAGE_EXTRAS``) installed from the lock into a scratch directory, the ``vyapari`` package the
  Dockerfile installs, and only the files its final stage copies. Over 10 GB fails.

The handler is imported (cold import time printed) and called with its fixture event
(``tests/events/package_check.json``, keyed by construct id) against a moto server holding the
stage's buckets and tables. Any ``ImportError`` (at import, raised by the call, or caught and logged
by the handler, as the REST resolver does before answering 500) fails the check; other outcomes are
printed. Installed environments are cached under ``.cache/package-check`` by
the hash of what they were installed from, so a repeated run only re-copies the code.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "package_probe.py"
ZIP_LIMIT_MB = 250.0
IMAGE_LIMIT_MB = 10_240.0
BASE_IMAGE_MB = 130.0  # python:3.12-slim, added to the image estimate
REGION = "ap-south-1"
ACCOUNT = "123456789012"
RUNTIME_PACKAGES = ["boto3"]  # what the Lambda Python runtime provides to zip functions
LOGGED_IMPORT_ERROR = re.compile(r"(?:ModuleNotFoundError|ImportError): [^\\\"\n]+")


@dataclass(frozen=True)
class Deployed:
    """One function of the templates: ``name`` is its construct id (e.g. ``IngestFile``)."""

    stack: str
    name: str
    kind: str  # "zip" or "image"
    handler: str
    code_dir: Path | None = None
    layers: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """What the probe reported for one function, and why it failed (``problems``)."""

    function: Deployed
    size_mb: float
    first_ms: float | None = None  # import without byte-code (compiles every module)
    import_ms: float | None = None  # cold import with byte-code present (a fresh interpreter)
    import_cpu_ms: float | None = None  # the same import's CPU time (stable when the host is busy)
    call_cpu_ms: float | None = None  # the first call's CPU time (includes what the handler builds lazily)
    answer: Any = None
    error: str | None = None
    heavy: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Interpreter:
    """The Python that installs and runs the packages: ``path`` and ``version`` (``3.12``)."""

    path: str
    version: str
    full_version: str = ""

    @staticmethod
    def host() -> Interpreter:
        """The interpreter running the check."""
        info = sys.version_info
        return Interpreter(sys.executable, f"{info[0]}.{info[1]}", f"{info[0]}.{info[1]}.{info[2]}")

    @staticmethod
    def probe(path: str) -> Interpreter | None:
        """``path`` as an interpreter with pip, or None when it does not run (e.g. a pyenv shim of an
        inactive version) or has no pip."""
        code = "import sys, pip; v = sys.version_info; print(f'{v[0]}.{v[1]} {v[0]}.{v[1]}.{v[2]}')"
        try:
            done = subprocess.run([path, "-c", code], capture_output=True, text=True, timeout=60, check=False)
        except OSError:
            return None
        parts = done.stdout.split()
        return Interpreter(path, parts[0], parts[1]) if done.returncode == 0 and len(parts) == 2 else None


def lambda_python(templates: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The Python version of the zip functions' runtime (``python3.12`` -> ``3.12``); None without any."""
    resources = [r for t in templates.values() for r in t["Resources"].values()]
    runtimes = {str(r["Properties"].get("Runtime", "")) for r in resources
                if r["Type"] == "AWS::Lambda::Function" and ours(r["Properties"])}
    versions = sorted(r.removeprefix("python") for r in runtimes if r.startswith("python"))
    if len(versions) > 1:
        raise ValueError(f"the functions use several Python runtimes: {', '.join(versions)}")
    return versions[0] if versions else None


def find_interpreter(version: str | None, explicit: str | None = None) -> Interpreter:
    """The interpreter to check with: ``explicit`` (``--python`` / ``PACKAGE_CHECK_PYTHON``), else a
    ``python<version>`` on PATH or in pyenv's versions (never downloaded), else this one."""
    if explicit:
        found = Interpreter.probe(explicit)
        if found is None:
            raise ValueError(f"--python {explicit}: not a working Python with pip")
        return found
    if version and version != Interpreter.host().version:
        pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
        candidates = [shutil.which(f"python{version}"),
                      *(str(p) for p in sorted(pyenv.glob(f"{version}.*/bin/python{version}"), reverse=True))]
        for candidate in filter(None, candidates):
            found = Interpreter.probe(candidate)
            if found is not None and found.version == version:
                return found
    return Interpreter.host()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def size_mb(*paths: Path) -> float:
    """Total size of the files under ``paths`` in MB (10^6 bytes)."""
    return sum(f.stat().st_size for p in paths for f in p.rglob("*") if f.is_file()) / 1e6


# ---------------------------------------------------------------- templates


class Resolver:
    """Turns intrinsic functions of the templates' environments into concrete test values."""

    def __init__(self, templates: Mapping[str, Mapping[str, Any]]) -> None:
        self.templates = templates
        self.exports: dict[str, tuple[str, Any]] = {}
        for stack, template in templates.items():
            for output in template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                if isinstance(name, str):
                    self.exports[name] = (stack, output["Value"])

    def physical_name(self, stack: str, logical_id: str) -> str:
        """The name a resource gets here: its explicit name, else ``pc-<logical id>``."""
        props = self.templates[stack]["Resources"].get(logical_id, {}).get("Properties", {})
        for key in ("BucketName", "TableName", "StateMachineName", "FunctionName"):
            if key in props:
                return self.resolve(stack, props[key])
        return f"pc-{logical_id.lower()}"

    def resolve(self, stack: str, value: Any) -> str:
        """``value`` with Ref, GetAtt, ImportValue and Join resolved (unknowns become ``pc-unresolved``)."""
        if isinstance(value, str | int | float):
            return str(value)
        if not isinstance(value, dict) or len(value) != 1:
            return "pc-unresolved"
        (kind, arg), = value.items()
        if kind == "Ref":
            return {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com",
                    "AWS::Partition": "aws"}.get(arg) or self.physical_name(stack, arg)
        if kind == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            name = self.physical_name(stack, logical_id)
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}" if attribute == "Arn" else name
        if kind == "Fn::ImportValue":
            export = self.resolve(stack, arg)
            if export in self.exports:
                other, exported = self.exports[export]
                return self.resolve(other, exported)
            return "pc-unresolved"
        if kind == "Fn::Join":
            separator, parts = arg
            return str(separator).join(self.resolve(stack, p) for p in parts)
        return "pc-unresolved"


def _construct_id(logical_id: str) -> str:
    """``WsConnectFunction80A638CF`` -> ``WsConnect`` (the PythonFunction's construct id)."""
    match = re.fullmatch(r"(.+)Function[0-9A-F]{8}", logical_id)
    return match.group(1) if match else logical_id


def _layer_name(template: Mapping[str, Any], ref: Any) -> str:
    """``{"Ref": "LayersCommon95D0F8FB"}`` -> ``common`` (a :class:`DependencyLayers` layer)."""
    logical_id = ref.get("Ref") if isinstance(ref, dict) else None
    resource = template["Resources"].get(logical_id or "", {})
    match = re.fullmatch(r"Layers([A-Z][a-z]+)[0-9A-F]{8}", logical_id or "")
    if resource.get("Type") != "AWS::Lambda::LayerVersion" or not match:
        raise ValueError(f"layer {ref!r}: not a layer of this app (external layers cannot be checked)")
    return match.group(1).lower()


def _asset_dir(outdir: Path, code: Mapping[str, Any]) -> Path | None:
    """The staged directory of a zip asset: ``S3Key`` is ``<hash>.zip``, staged as ``asset.<hash>``."""
    key = code.get("S3Key")
    return outdir / f"asset.{key.removesuffix('.zip')}" if isinstance(key, str) else None


def ours(props: Mapping[str, Any]) -> bool:
    """Whether a function runs our code (an image, or a zip whose handler is under ``functions.``);
    CDK's own custom-resource handlers (the dashboard's BucketDeployment, ``index.handler``) are not."""
    return props.get("PackageType") == "Image" or str(props.get("Handler", "")).startswith("functions.")


def deployed_functions(templates: Mapping[str, Mapping[str, Any]], outdir: Path) -> list[Deployed]:
    """Every Lambda function of ``templates`` (stack name -> template) synthesized into ``outdir`` that
    runs our code (:func:`ours`)."""
    resolver = Resolver(templates)
    found = []
    for stack, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] != "AWS::Lambda::Function" or not ours(resource["Properties"]):
                continue
            props = resource["Properties"]
            env = {k: resolver.resolve(stack, v)
                   for k, v in props.get("Environment", {}).get("Variables", {}).items()}
            name = _construct_id(logical_id)
            if props.get("PackageType") == "Image":
                handler = props["ImageConfig"]["Command"][0]
                found.append(Deployed(stack, name, "image", handler, environment=env))
            else:
                layers = tuple(_layer_name(template, ref) for ref in props.get("Layers", []))
                found.append(Deployed(stack, name, "zip", props["Handler"],
                                      _asset_dir(outdir, props["Code"]), layers, env))
    return sorted(found, key=lambda f: (f.stack, f.name))


def load_templates(outdir: Path) -> dict[str, dict[str, Any]]:
    """The ``*.template.json`` files of ``outdir`` by stack name."""
    return {p.name.removesuffix(".template.json"): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(outdir.glob("*.template.json"))}


# ---------------------------------------------------------------- packages


def _pip_target(target: Path, lock: Path, requirements: Iterable[str], python: str = sys.executable) -> None:
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-compile",
                    "--disable-pip-version-check", "--target", str(target), "-c", str(lock),
                    *requirements], check=True)


def _cached(cache: Path, key: str, build: Any) -> Path:
    """``cache/key`` built by ``build(path)`` once (a ``.done`` marker makes half-built dirs retry)."""
    target = cache / key
    if not (target / ".done").is_file():
        build(target)
        (target / ".done").write_text("ok\n", encoding="utf-8")
    return target


def runtime_env(root: Path, cache: Path, python: Interpreter) -> Path:
    """The Lambda runtime's boto3 (from the lock), installed for the host."""
    lock = root / "requirements" / "lock.txt"
    key = "runtime-" + _hash(lock.read_text(encoding="utf-8"), python.version, *RUNTIME_PACKAGES)
    site = _cached(cache, key, lambda t: _pip_target(t / "site", lock, RUNTIME_PACKAGES, python.path))
    return site / "site"


def _layers_module(root: Path) -> Any:
    spec = importlib.util.spec_from_file_location("vyapari_layers_build", root / "layers" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def layer_env(root: Path, cache: Path, name: str, python: Interpreter) -> Path:
    """``layers/<name>`` installed for the host by ``layers/build.py`` (same requirements, same lock)."""
    inputs = [root / "requirements" / "lock.txt", root / "layers" / "build.py",
              *sorted((root / "layers" / name).glob("*.txt"))]
    key = f"layer-{name}-" + _hash(python.version, *(p.read_text(encoding="utf-8") for p in inputs))

    def build(target: Path) -> None:
        _layers_module(root).install(name, target / "python", [], python.path)

    return _cached(cache, key, build) / "python"


@dataclass(frozen=True)
class ImageRecipe:
    """What the Dockerfile installs and copies: extras of the project, and final-stage copies."""

    extras: tuple[str, ...]
    copies: tuple[tuple[str, str], ...]  # (source in the build context, destination in the image)


def image_recipe(dockerfile: Path) -> ImageRecipe:
    """Parse ``ARG IMAGE_EXTRAS=...`` and the final stage's ``COPY <src> <dst>`` lines (no ``--from``)."""
    text = dockerfile.read_text(encoding="utf-8")
    extras = re.search(r"^ARG IMAGE_EXTRAS=(\S*)", text, re.MULTILINE)
    final = text.rsplit("\nFROM ", 1)[-1]
    copies = tuple((src, dst) for src, dst in re.findall(r"^COPY (?!--)(\S+) (\S+)$", final, re.MULTILINE))
    return ImageRecipe(tuple(e for e in (extras.group(1) if extras else "").split(",") if e), copies)


def image_requirements(pyproject: Path, extras: Iterable[str]) -> list[str]:
    """The project's dependencies plus those of ``extras`` (what ``pip install '.[extras]'`` pulls)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [e for e in extras if e not in optional]
    if unknown:
        raise ValueError(f"Dockerfile IMAGE_EXTRAS names unknown extras: {', '.join(unknown)}")
    return [*project["dependencies"], *(r for e in extras for r in optional[e])]


def image_env(root: Path, cache: Path, python: Interpreter) -> tuple[list[Path], list[Path]]:
    """sys.path of the image: the files copied under /app (PYTHONPATH, before the standard library),
    and site-packages (after it)."""
    recipe = image_recipe(root / "Dockerfile")
    requirements = image_requirements(root / "pyproject.toml", recipe.extras)
    lock = root / "requirements" / "lock.txt"
    key = "image-" + _hash(lock.read_text(encoding="utf-8"), python.version, *requirements)
    site = _cached(cache, key, lambda t: _pip_target(t / "site", lock, requirements, python.path)) / "site"
    code = cache / f"image-code-{_hash(str(root))}"
    shutil.rmtree(code, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    package = root / "sdk" / "vyapari"
    if package.is_dir():  # pip install '.[...]' puts the sdk's vyapari into site-packages
        shutil.copytree(package, code / "project" / "vyapari", ignore=ignore)
    for source, destination in recipe.copies:
        if not destination.startswith("/app"):
            continue
        target = code / "app" / destination.removeprefix("/app").lstrip("/")
        (shutil.copytree(root / source, target, ignore=ignore) if (root / source).is_dir()
         else shutil.copy2(root / source, target))
    return [code / "app"], [code / "project", site]


Paths = tuple[list[Path], list[Path]]  # sys.path entries before and after the standard library


_COPIED: set[Path] = set()


def package_paths(fn: Deployed, root: Path, cache: Path, python: Interpreter) -> tuple[Paths, float, float]:
    """(sys.path entries, package size MB, limit MB) of ``fn`` as deployed, installed for ``python``."""
    if fn.kind == "image":
        front, back = image_env(root, cache, python)
        return (front, back), size_mb(*front, *back) + BASE_IMAGE_MB, IMAGE_LIMIT_MB
    if fn.code_dir is None or not fn.code_dir.is_dir():
        raise ValueError(f"{fn.name}: the staged code asset {fn.code_dir} is missing")
    code = cache / "zip-code" / fn.code_dir.name  # a copy: the probe writes byte-code next to sources
    if code not in _COPIED:  # copied afresh once per run: a cached copy may be of other sources
        shutil.rmtree(code, ignore_errors=True)
        shutil.copytree(fn.code_dir, code)
        _COPIED.add(code)
    layers = [layer_env(root, cache, name, python) for name in fn.layers]
    size = size_mb(fn.code_dir, *layers)
    return ([code, *layers], [runtime_env(root, cache, python)]), size, ZIP_LIMIT_MB


# ---------------------------------------------------------------- moto and the probe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def provision(templates: Mapping[str, Mapping[str, Any]], endpoint: str) -> None:
    """Create every bucket and DynamoDB table of ``templates`` in the moto server at ``endpoint``."""
    import boto3

    resolver = Resolver(templates)
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    s3 = session.client("s3", endpoint_url=endpoint)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    for stack, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            name = resolver.physical_name(stack, logical_id)
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::S3::Bucket":
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
            elif resource["Type"] in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                dynamodb.create_table(
                    TableName=name, KeySchema=props["KeySchema"],
                    AttributeDefinitions=props["AttributeDefinitions"], BillingMode="PAY_PER_REQUEST",
                )


def probe_env(fn: Deployed, endpoint: str) -> dict[str, str]:
    """The probe's environment: the function's own variables and what the Lambda runtime sets."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", "/tmp"),
        **fn.environment,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": f"package-check-{fn.name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    }
    if fn.kind == "image":
        env["NUMBA_CACHE_DIR"] = str(Path(env["HOME"]) / ".cache" / "package-check-numba")
    return env


def run_probe(fn: Deployed, paths: Paths, event: Path | None, endpoint: str,
              python: str = sys.executable) -> dict[str, Any]:
    """Run the probe for ``fn`` in a fresh isolated interpreter; its JSON report.

    ``event`` None only imports (the first run, which writes the byte-code the measured run reads).
    """
    front, back = paths
    spec = json.dumps({"front": [str(p) for p in front], "back": [str(p) for p in back],
                       "handler": fn.handler, "event": str(event) if event else None})
    done = subprocess.run([python, "-I", "-S", str(PROBE), spec], capture_output=True, text=True,
                          env=probe_env(fn, endpoint), timeout=900, cwd=str(front[0]), check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("PACKAGE-CHECK "):
            report = dict(json.loads(line.removeprefix("PACKAGE-CHECK ")))
            # a handler that catches everything (the REST resolver answers 500) only logs the ImportError
            logged = LOGGED_IMPORT_ERROR.search(done.stdout + done.stderr)
            if logged and not report.get("import_error"):
                report.update(phase="call", import_error=True, error_type="ImportError",
                              error=f"logged by the handler: {logged.group(0)}")
            return report
    return {"error": f"probe exited {done.returncode}: {done.stderr[-600:]}", "import_error": False,
            "error_type": "ProbeCrashed"}


def seed(fn: Deployed, items: Mapping[str, Iterable[Mapping[str, Any]]], endpoint: str) -> None:
    """Put ``items`` (plain JSON by the environment variable naming their table) into ``fn``'s tables,
    e.g. the login state its fixture's callback carries."""
    import boto3

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    dynamodb = session.resource("dynamodb", endpoint_url=endpoint)
    for variable, rows in items.items():
        if variable not in fn.environment:
            raise ValueError(f"{fn.name}: fixture items for {variable}, which the function is not given")
        table = dynamodb.Table(fn.environment[variable])
        for row in rows:
            table.put_item(Item=dict(row))


def check(root: Path, outdir: Path, cache: Path, events: Mapping[str, str], events_dir: Path,
          only: Iterable[str] = (), items: Mapping[str, Mapping[str, Any]] | None = None,
          python: Interpreter | None = None) -> list[Result]:
    """Check every function synthesized into ``outdir`` (or those named in ``only``); ``items`` are
    DynamoDB items put before a function is called (by construct id, then table variable); ``python``
    installs and runs the packages (this interpreter by default)."""
    python = python or Interpreter.host()
    from moto.server import ThreadedMotoServer

    templates = load_templates(outdir)
    functions = [f for f in deployed_functions(templates, outdir) if not only or f.name in set(only)]
    cache.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    results = []
    try:
        provision(templates, endpoint)
        for fn in functions:
            result = Result(fn, 0.0)
            results.append(result)
            if fn.name not in events:
                result.problems.append(f"no fixture event for {fn.name} in tests/events/package_check.json")
                continue
            paths, result.size_mb, limit = package_paths(fn, root, cache, python)
            if result.size_mb > limit:
                result.problems.append(f"{result.size_mb:.0f} MB exceeds the {limit:.0f} MB limit")
            seed(fn, (items or {}).get(fn.name, {}), endpoint)
            first = run_probe(fn, paths, None, endpoint, python.path)
            event = events_dir / events[fn.name]
            report = first if first.get("error") else run_probe(fn, paths, event, endpoint, python.path)
            result.first_ms = first.get("import_ms")
            result.import_ms, result.answer = report.get("import_ms"), report.get("answer")
            result.import_cpu_ms = report.get("import_cpu_ms")
            result.call_cpu_ms = report.get("call_cpu_ms")
            result.heavy, result.error = report.get("heavy", []), report.get("error")
            if report.get("import_error") or report.get("error_type") == "ProbeCrashed":
                result.problems.append(f"{report.get('phase', 'import')}: {result.error}")
    finally:
        server.stop()
    return results


def describe(python: Interpreter, templates: Mapping[str, Mapping[str, Any]]) -> str:
    """Which interpreter and platform checked the packages, against what the functions are deployed on."""
    import platform

    runtime = lambda_python(templates)
    architectures = sorted({a for t in templates.values() for r in t["Resources"].values()
                            if r["Type"] == "AWS::Lambda::Function" and ours(r["Properties"])
                            for a in r["Properties"].get("Architectures", ["x86_64"])})
    line = (f"checked with Python {python.full_version} ({python.path}), packages installed for this host "
            f"({platform.machine()}); the functions run on Python {runtime or '?'} "
            f"({', '.join(architectures)}; arm64 wheels are what make layers installs)")
    if runtime and python.version != runtime:
        line += (f"\nWARNING: no Python {runtime} found: checked with {python.version} instead "
                 "(give one with --python or PACKAGE_CHECK_PYTHON)")
    return line


def render(results: Iterable[Result]) -> str:
    """One line per function: kind, size, cold import ms, answer or error, problems."""
    lines = [f"{'function':<24}{'kind':<6}{'MB':>8}{'first ms':>10}{'import ms':>11}{'cpu ms':>8}"
             f"{'call cpu':>10}  outcome"]
    for r in results:
        outcome = "FAIL " + "; ".join(r.problems) if r.problems else (
            f"answered {r.answer}" if r.error is None else f"answered with {r.error.splitlines()[-1][:90]}")
        first = f"{r.first_ms:.0f}" if r.first_ms is not None else "-"
        ms = f"{r.import_ms:.0f}" if r.import_ms is not None else "-"
        cpu = f"{r.import_cpu_ms:.0f}" if r.import_cpu_ms is not None else "-"
        call = f"{r.call_cpu_ms:.0f}" if r.call_cpu_ms is not None else "-"
        name, kind = r.function.name, r.function.kind
        lines.append(f"{name:<24}{kind:<6}{r.size_mb:>8.1f}{first:>10}{ms:>11}{cpu:>8}{call:>10}  {outcome}")
    return "\n".join(lines)


def synthesize(outdir: Path) -> None:
    """Synthesize the app (dev stage) into ``outdir`` in a subprocess (synth needs no Docker)."""
    env = {**os.environ, "CDK_OUTDIR": str(outdir),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "sdk"), str(ROOT)])}
    subprocess.run([sys.executable, str(ROOT / "cdk" / "app.py")], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """``python -m cdk.package_check [--outdir cdk.out] [--only Name ...]``; 1 when any function fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, help="synthesized cloud assembly (default: synthesize now)")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "package-check")
    parser.add_argument("--only", nargs="*", default=[], help="construct ids to check (default: all)")
    parser.add_argument("--python", default=os.environ.get("PACKAGE_CHECK_PYTHON"),
                        help="the interpreter that installs and runs the packages (default: a "
                        "python<version> of the Lambda runtime on PATH or in pyenv's versions, else this)")
    args = parser.parse_args(argv)
    outdir = args.outdir
    if outdir is None:
        outdir = args.cache / "cdk.out"
        shutil.rmtree(outdir, ignore_errors=True)
        synthesize(outdir)
    events_dir = ROOT / "tests" / "events"
    fixtures = json.loads((events_dir / "package_check.json").read_text(encoding="utf-8"))
    templates = load_templates(outdir)
    python = find_interpreter(lambda_python(templates), args.python)
    print(describe(python, templates))
    results = check(ROOT, outdir, args.cache, fixtures["events"], events_dir, args.only,
                    fixtures.get("dynamodb_items"), python)
    print(render(results))
    failed = [r.function.name for r in results if r.problems]
    print(f"{len(results) - len(failed)}/{len(results)} functions pass"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
