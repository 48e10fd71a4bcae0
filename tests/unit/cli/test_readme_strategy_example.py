"""The README's "Writing a strategy" example runs as written: its code saved as momentum.py, its
commands run in a real shell-less subprocess each (the sample with fewer sessions, to stay quick)."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Writing a strategy")
    return text[start : text.index("\n## ", start + 1)]


def test_readme_momentum_example_runs_on_the_fast_path_under_its_own_name(tmp_path: Path) -> None:
    section = _section()
    code_block = re.search(r"```python\n(.*?)```", section, re.S)
    bash_block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert code_block is not None and bash_block is not None, "the README's example lost a code block"
    code = code_block.group(1)
    commands = bash_block.group(1).strip().splitlines()
    (tmp_path / "momentum.py").write_text(code, encoding="utf-8")
    assert commands[0] == "vyapari sample --out sample --sessions 30"
    commands[0] = commands[0].replace("--sessions 30", "--sessions 4")
    results = []
    for line in commands:
        argv = shlex.split(line)
        assert argv[0] == "vyapari"
        proc = subprocess.run([sys.executable, "-m", "vyapari.cli.main", *argv[1:]], cwd=tmp_path,
                              capture_output=True, text=True, check=False, timeout=600)  # fmt: skip
        assert proc.returncode == 0, (line, proc.stderr)
        results.append(proc)
    summary = json.loads((tmp_path / "runs" / "momentum" / "summary.json").read_text())
    assert summary["strategy"] == "Momentum" and summary["params"]["lookback"] == 375
    assert summary["symbols"] == 50 and summary["fills"] > 0
    assert summary["path"] == "vector", results[-1].stderr
    assert "note:" not in results[-1].stderr  # no fallback, no mass rejection to report
    assert "Momentum" in results[-1].stdout
