"""``make package-check`` fails where a deploy would: a light (zip) function importing numpy, a heavy
(image) function needing a module the image does not install; and it passes a function whose package
holds what it imports. Each case runs the real checker (real pip from the lock, a moto server, a
fresh ``python -I -S`` per function) on a small synthetic app."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from cdk.package_check import (
    Interpreter,
    check,
    deployed_functions,
    describe,
    find_interpreter,
    image_recipe,
    lambda_python,
    render,
)
from tests.infrastructure.conftest import Synthesized

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "package-check"  # shared with make package-check: the layer env is reused
EVENTS = json.loads((ROOT / "tests" / "events" / "package_check.json").read_text(encoding="utf-8"))["events"]

DOCKERFILE = """ARG IMAGE_EXTRAS=
FROM python:3.12-slim AS build
COPY pyproject.toml ./
FROM python:3.12-slim
COPY functions /app/functions
"""
PYPROJECT = """[project]
name = "tiny"
version = "0"
dependencies = ["rich>=13,<16"]
"""
HANDLERS = {
    # a light function whose module imports numpy: its zip has only the common layer
    "light": "import numpy\n\ndef lambda_handler(event, context):\n    return {'statusCode': 200}\n",
    # a heavy function needing numpy on call; the image requirements (rich only) lack it
    "heavy": "def lambda_handler(event, context):\n    import numpy\n    return {'statusCode': 200}\n",
    # catches the ImportError, logs it and answers 500, as the REST resolver does
    "swallowed": ("import traceback\n\ndef lambda_handler(event, context):\n    try:\n"
                  "        import numpy\n    except Exception:\n        print(traceback.format_exc())\n"
                  "        return {'statusCode': 500}\n"),
    # imports what its package has (Powertools from the common layer, boto3 from the runtime)
    "fine": ("import boto3\nfrom aws_lambda_powertools import Logger\n\n"
             "def lambda_handler(event, context):\n"
             "    boto3.client('s3').list_buckets()\n    return {'statusCode': 200}\n"),
}


def _zip(handler: str) -> dict:
    return {"Type": "AWS::Lambda::Function", "Properties": {
        "Handler": handler, "Code": {"S3Key": "0123abcd.zip"}, "Layers": [{"Ref": "LayersCommon0A1B2C3D"}],
        "Environment": {"Variables": {"LAKE_URI": {"Fn::Join": ["", ["s3://", {"Ref": "Lake1A2B3C4D"}]]}}}}}


@pytest.fixture(scope="module")
def tiny_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny-app")
    (root / "requirements").mkdir()
    shutil.copy2(ROOT / "requirements" / "lock.txt", root / "requirements" / "lock.txt")
    shutil.copytree(ROOT / "layers", root / "layers", ignore=shutil.ignore_patterns("python", "placeholder"))
    (root / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    asset = root / "cdk.out" / "asset.0123abcd"
    for tree in (asset, root):
        for name, code in HANDLERS.items():
            package = tree / "functions" / name
            package.mkdir(parents=True)
            (tree / "functions" / "__init__.py").write_text("", encoding="utf-8")
            (package / "__init__.py").write_text("", encoding="utf-8")
            (package / "handler.py").write_text(code, encoding="utf-8")
    template = {"Resources": {
        "Lake1A2B3C4D": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "LayersCommon0A1B2C3D": {"Type": "AWS::Lambda::LayerVersion", "Properties": {}},
        "LightFunction1A2B3C4D": _zip("functions.light.handler.lambda_handler"),
        "FineFunction1A2B3C4D": _zip("functions.fine.handler.lambda_handler"),
        "SwallowedFunction1A2B3C4D": _zip("functions.swallowed.handler.lambda_handler"),
        "HeavyFunction1A2B3C4D": {"Type": "AWS::Lambda::Function", "Properties": {
            "PackageType": "Image", "Code": {"ImageUri": "x"},
            "ImageConfig": {"Command": ["functions.heavy.handler.lambda_handler"]}}},
    }}
    (root / "cdk.out" / "Tiny.template.json").write_text(json.dumps(template), encoding="utf-8")
    (root / "event.json").write_text("{}", encoding="utf-8")
    return root


@pytest.mark.slow
def test_the_checker_fails_a_light_numpy_import_and_a_module_missing_from_the_image(tiny_app: Path) -> None:
    events = {"Light": "event.json", "Heavy": "event.json", "Fine": "event.json", "Swallowed": "event.json"}
    results = {r.function.name: r for r in check(tiny_app, tiny_app / "cdk.out", CACHE, events, tiny_app)}
    print(render(results.values()))
    assert results["Light"].problems and "No module named 'numpy'" in results["Light"].problems[0]
    assert results["Light"].problems[0].startswith("import:")
    assert results["Heavy"].problems and "No module named 'numpy'" in results["Heavy"].problems[0]
    assert results["Heavy"].problems[0].startswith("call:")  # imported fine, failed when called
    swallowed = results["Swallowed"].problems
    assert swallowed and swallowed[0].startswith("call:") and "No module named 'numpy'" in swallowed[0]
    assert results["Fine"].problems == [], results["Fine"].error
    assert results["Fine"].answer == 200 and results["Fine"].import_ms is not None
    assert 0 < results["Fine"].size_mb < 250


def test_every_synthesized_function_has_a_fixture_event(synth: Synthesized) -> None:
    templates = {name: synth.json(name) for name in synth.templates}
    functions = deployed_functions(templates, synth.outdir)
    assert len(functions) >= 20
    missing = sorted(f.name for f in functions if f.name not in EVENTS)
    assert not missing, f"add fixture events to tests/events/package_check.json: {missing}"
    for f in functions:
        assert (ROOT / "tests" / "events" / EVENTS[f.name]).is_file(), f.name
        if f.kind == "zip":
            assert "common" in f.layers, f.name


def test_the_image_recipe_is_read_from_the_dockerfile() -> None:
    recipe = image_recipe(ROOT / "Dockerfile")
    assert recipe.extras == ("aws", "brokers", "pairs", "lambda")
    assert ("functions", "/app/functions") in recipe.copies


def test_the_checker_uses_the_lambda_runtimes_python_and_says_which(tmp_path: Path) -> None:
    function = "AWS::Lambda::Function"
    templates = {"S": {"Resources": {
        "F": {"Type": function, "Properties": {"Runtime": "python3.12", "Architectures": ["arm64"],
                                               "Handler": "functions.f.handler.lambda_handler"}},
        "I": {"Type": function, "Properties": {"PackageType": "Image"}},
        # CDK's own custom-resource handler (the dashboard's BucketDeployment): not our package
        "CustomCDKBucketDeployment0": {"Type": function, "Properties": {"Runtime": "python3.13",
                                                                        "Handler": "index.handler"}}}}}
    assert lambda_python(templates) == "3.12"
    host = Interpreter.host()
    assert find_interpreter(None, sys.executable).version == host.version
    with pytest.raises(ValueError, match="not a working Python"):
        find_interpreter(None, str(tmp_path / "python3.99"))
    found = find_interpreter("3.12")
    assert found.version in ("3.12", host.version)  # a python3.12 of this machine, else the host's own
    line = describe(found, templates)
    assert f"checked with Python {found.full_version}" in line and "run on Python 3.12 (arm64" in line
    assert ("WARNING: no Python 3.12 found" in line) == (found.version != "3.12")
    assert "WARNING" in describe(Interpreter("python", "3.99", "3.99.0"), templates)
    templates["S"]["Resources"]["G"] = {"Type": function, "Properties": {
        "Runtime": "python3.11", "Handler": "functions.g.handler.lambda_handler"}}
    with pytest.raises(ValueError, match="several Python runtimes"):
        lambda_python(templates)
