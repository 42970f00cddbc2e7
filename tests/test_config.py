from __future__ import annotations

from pathlib import Path

import pytest

from reactor.config import BOUNDS, DEFAULT_INCLUDE, DocgenConfig, load_config
from reactor.errors import ConfigError


def write_config(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "llmc.toml"
    path.write_text(text)
    return path


def test_absent_file_and_table_give_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path) == DocgenConfig()
    write_config(tmp_path, "[rag]\nenabled = true\n")
    config = load_config(tmp_path)
    assert config.backend == "outline"
    assert config.output_dir == "DOCS/REPODOCS"
    assert config.idle_after_seconds == 10
    assert config.sample_size == 10
    assert config.max_file_bytes == 262144
    assert config.include == list(DEFAULT_INCLUDE)
    assert config.exclude == []


def test_llmc_style_config_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/docgen.py").write_text("print()\n")
    write_config(
        tmp_path,
        """
[docs.docgen]
enabled = true
backend = "shell"
output_dir = "DOCS/REPODOCS"
require_rag_fresh = true
daemon_enabled = true
daemon_priority = "normal"
idle_after_seconds = 2.5
tick_seconds = 1

[docs.docgen.shell]
script = "scripts/docgen.py"
args = ["--fast"]
timeout_seconds = 30
""",
    )
    config = load_config(tmp_path)
    assert config.backend == "shell"
    assert config.require_rag_fresh is True
    assert config.idle_after_seconds == 2.5
    assert config.tick_seconds == 1.0 and isinstance(config.tick_seconds, float)
    assert config.shell.args == ["--fast"]
    assert config.shell.timeout_seconds == 30


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("bogus = 1", "bogus", "unknown key"),
        ("sample_size = 'ten'", "sample_size", "an integer"),
        ("sample_size = 2.5", "sample_size", "an integer"),
        ("enabled = 1", "enabled", "true or false"),
        ("idle_after_seconds = true", "idle_after_seconds", "a finite number"),
        ("include = '*.py'", "include", "a list of strings"),
        ("backend = 'magic'", "backend", "one of"),
        ("daemon_priority = 'urgent'", "daemon_priority", "'idle' or 'normal'"),
        ("sample_size = 0", "sample_size", "1 to 10000"),
        ("output_dir = '../elsewhere'", "output_dir", "inside the repo"),
        ("output_dir = '/tmp/docs'", "output_dir", "inside the repo"),
        ("output_dir = '.'", "output_dir", "inside the repo"),
        ("output_dir = '.git/docs'", "output_dir", "inside the repo"),
        ("backend = 'shell'", "shell.script", "required"),
        ("backend = 'shell'\n[docs.docgen.shell]\nscript = '../x.sh'", "shell.script", "outside"),
        (
            "backend = 'shell'\n[docs.docgen.shell]\nscript = 'missing.sh'",
            "shell.script",
            "not a file",
        ),
        ("[docs.docgen.shell]\ntimeout = 5", "shell.timeout", "unknown key"),
        ("[docs.docgen.shell]\ntimeout_seconds = -1", "shell.timeout_seconds", "> 0"),
        ("backend = 'ollama'", "ollama.model", "required"),
        ("sample_size = 100000000", "sample_size", "1 to 10000"),
        ("tick_seconds = inf", "tick_seconds", "a finite number"),
        ("idle_after_seconds = nan", "idle_after_seconds", "a finite number"),
        ("[docs.docgen.shell]\ntimeout_seconds = inf", "shell.timeout_seconds", "finite"),
        ("include = ['**/[z-a].py']", "include", "not a valid gitignore pattern"),
        ("exclude = ['x/[9-0]']", "exclude", "not a valid gitignore pattern"),
        ("[docs.docgen.openai]\nbase_url = '127.0.0.1:8080/v1'", "openai.base_url", "scheme"),
        ("[docs.docgen.openai]\nbase_url = 'ftp://host/v1'", "openai.base_url", "scheme"),
        ("[docs.docgen.openai]\nbase_url = 'http:///v1'", "openai.base_url", "no host"),
        ("[docs.docgen.openai]\nbase_url = 'http://h:99999/v1'", "openai.base_url", "not a URL"),
        ("[docs.docgen.ollama]\nurl = 'localhost:11434'", "ollama.url", "scheme"),
    ],
)
def test_bad_values_name_key_and_file(tmp_path: Path, body: str, key: str, words: str) -> None:
    path = write_config(tmp_path, f"[docs.docgen]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert words in message
    assert info.value.exit_code == 2


def test_output_dir_symlink_escape_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "docs").symlink_to(outside)
    write_config(repo, "[docs.docgen]\noutput_dir = 'docs'\n")
    with pytest.raises(ConfigError, match="outside the repo"):
        load_config(repo)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    write_config(tmp_path, "[docs.docgen\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


def test_config_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "llmc.toml").write_bytes(b"[docs.docgen]\n# caf\xe9\nenabled = true\n")
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_config(tmp_path)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("key", sorted(BOUNDS))
def test_every_number_is_bounded_with_the_range_in_the_message(tmp_path: Path, key: str) -> None:
    """A value the code cannot represent (a sleep, a deadline, a read size would overflow) is
    refused at load time naming the key and the range, never an OverflowError later."""
    table, _, name = key.rpartition(".")
    default = getattr(getattr(DocgenConfig(), table) if table else DocgenConfig(), name)
    huge = "9223372036854775807" if isinstance(default, int) else "1e308"
    section = f"[docs.docgen.{table}]\n" if table else ""
    write_config(tmp_path, f"[docs.docgen]\n{section}{name} = {huge}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert f"{key}: must be {BOUNDS[key]}, got " in str(info.value)


def test_the_readme_lists_every_bound() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for key, bound in BOUNDS.items():
        rows = [line.split("|") for line in readme.splitlines() if line.startswith("| `")]
        allowed = next((cells[2] for cells in rows if f"`{key}`" in cells[1]), "")
        assert str(bound) in allowed, (key, str(bound))
