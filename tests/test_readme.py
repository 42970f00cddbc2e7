"""The README's examples run as written (a user copies them)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import doc_header, write

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block(containing: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    return next(b for b in blocks if containing in b)


def test_custom_backend_example_runs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "app.py", "# TODO: one\n# TODO: two\nX = 1\n")
    write(repo, "generated_pb2.py", "# TODO never read\n")
    write(repo, "busy.py", "# TODO\n" * 101)
    namespace: dict[str, object] = {"REPO": repo}
    exec(python_block("class TodoBackend"), namespace)
    outcomes = {o.path: o.status for o in namespace["outcomes"]}  # type: ignore[attr-defined]
    assert outcomes == {"app.py": "generated", "generated_pb2.py": "noop", "busy.py": "failed"}
    doc = (repo / "DOCS/REPODOCS/app.py.md").read_text()
    assert doc_header(repo, "app.py") is not None and "2 TODO(s)." in doc


def test_readme_starts_with_the_two_commands() -> None:
    block = re.search(r"```sh\n(.*?)```", README.read_text(), re.DOTALL)
    assert block is not None
    install, test = block.group(1).strip().splitlines()
    assert install.endswith("reactor watch .") and "pip install ." in install
    assert "'.[test]'" in test and test.endswith("python -m pytest")
