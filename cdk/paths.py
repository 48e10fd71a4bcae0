"""Where the CDK app finds the code it deploys: asset paths only (STYLE.md rule 5, never imports)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SDK_PACKAGE = ROOT / "sdk" / "vyapari"
STATEMACHINES = ROOT / "statemachines"
SUBSTITUTIONS = STATEMACHINES / "substitutions.json"
LAYERS = ROOT / "layers"
DOCKERFILE_DIR = ROOT
