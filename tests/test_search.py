"""Full-text search over the docs: kept with every doc write and removal, BM25-ranked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FakeClock, write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor
from reactor.search import CATCH_UP_BATCH, BadQuery, match_expression


def drain(reactor: Reactor) -> None:
    for _ in range(200):
        if not reactor.tick().work_done:
            return
    raise AssertionError("never went quiet")


@pytest.fixture
def searchable(repo: Path, clock: FakeClock) -> Iterator[Reactor]:
    """The repo's docs written by the outline (which quotes each module's docstring)."""
    write(repo, "pkg/ledger.py", '"""Double-entry ledger: every payment posts twice."""\n')
    write(repo, "pkg/invoice.py", '"""Invoices for a customer; a payment settles one."""\n')
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.0)
    with Reactor.open(repo, config=config, clock=clock, watch=False) as reactor:
        drain(reactor)
        yield reactor


def test_docs_are_searchable_as_soon_as_they_are_written(searchable: Reactor) -> None:
    hits = searchable.search.search("payment")
    assert {h.path for h in hits} >= {"pkg/ledger.py", "pkg/invoice.py"}
    assert all(h.state == "fresh" for h in hits)
    ledger = next(h for h in hits if h.path == "pkg/ledger.py")
    number, line = ledger.lines[0]
    doc = searchable.docs.read("pkg/ledger.py")
    assert doc is not None and doc.split("\n")[number - 1].strip() == line
    assert "payment" in line


def test_every_word_ranks_before_some_words_and_the_path_counts_most(
    searchable: Reactor,
) -> None:
    hits = searchable.search.search("customer payment")
    assert hits[0].path == "pkg/invoice.py"  # both words; the ledger has one
    assert "pkg/ledger.py" in [h.path for h in hits]
    assert searchable.search.search("ledger")[0].path == "pkg/ledger.py"
    assert searchable.search.search("payment", limit=1)[0].path in {
        "pkg/ledger.py",
        "pkg/invoice.py",
    }
    assert len(searchable.search.search("payment", limit=1)) == 1


def test_an_edit_a_removal_and_the_state_of_each_hit(
    searchable: Reactor, repo: Path, clock: FakeClock
) -> None:
    write(repo, "pkg/ledger.py", '"""Single-entry ledger, no more postings."""\n')
    searchable.refresh_index()  # the index knows; the doc is not made yet
    assert searchable.search.search("twice")[0].state == "stale"
    drain(searchable)
    assert searchable.search.search("twice") == []
    assert searchable.search.search("postings")[0].path == "pkg/ledger.py"
    os.unlink(repo / "pkg/invoice.py")
    searchable.notify(["pkg/invoice.py"])
    clock.advance(60)  # past the grace period a rename gets
    drain(searchable)
    assert not (repo / "DOCS/REPODOCS/pkg/invoice.py.md").exists()
    assert [h.path for h in searchable.search.search("customer")] == []


def test_docs_written_while_nothing_listened_are_caught_up(searchable: Reactor) -> None:
    search = searchable.search
    search.flush()  # (what the reactor's writes queued: indexed, then wiped below)
    with search._write() as db:  # as an index from before the table, or LLMC's own docs
        db.execute("DELETE FROM doc_search")
        db.execute("DELETE FROM doc_search_rows")
        db.execute("INSERT INTO doc_search_rows (path, sha256) VALUES ('gone.py', 'x')")
    assert search.search("payment") == []
    assert search.catch_up() is True
    assert {h.path for h in search.search("payment")} >= {"pkg/ledger.py", "pkg/invoice.py"}
    rows = search._conn().execute("SELECT path FROM doc_search_rows").fetchall()
    assert ("gone.py",) not in rows
    assert search.catch_up() is True  # nothing left: one query


def test_a_catch_up_stops_at_its_deadline_and_goes_on(searchable: Reactor) -> None:
    search = searchable.search
    with search._write() as db:
        db.execute("DELETE FROM doc_search")
        db.execute("DELETE FROM doc_search_rows")
    assert search.catch_up(deadline=0.0) is False  # one batch, then the deadline
    assert search.catch_up() is True


@pytest.mark.parametrize(
    "query",
    ['payment"', "NEAR(payment ledger)", "path:ledger", "payment*", "a OR", "-x", "^y"],
)
def test_any_text_is_a_query_and_none_is_fts5_syntax(searchable: Reactor, query: str) -> None:
    searchable.search.search(query)  # no sqlite error, whatever the text


def test_quoted_phrases_and_words() -> None:
    assert match_expression('a "b c" d', all_terms=True) == '"b c" AND "a" AND "d"'
    assert match_expression("a-b", all_terms=False) == '"a" OR "b"'
    with pytest.raises(BadQuery, match="give it a word"):
        match_expression(' "" ?! ', all_terms=True)
    with pytest.raises(BadQuery):
        match_expression("(", all_terms=True)


def test_a_backlog_is_indexed_in_batches_and_a_search_sees_every_doc(
    searchable: Reactor, repo: Path
) -> None:
    search = searchable.search
    search.flush()
    transactions = []
    search._conn().set_trace_callback(lambda sql: sql == "COMMIT" and transactions.append(sql))
    for i in range(CATCH_UP_BATCH + 5):
        write(repo, f"pkg/extra{i}.py", f'"""Receivable number{i} tally."""\n')
    searchable.refresh_index()
    drain(searchable)
    assert len(transactions) == 1  # one batch full; the other five wait in the queue
    hits = search.search("tally", limit=100)  # a search indexes them first
    assert len(hits) == CATCH_UP_BATCH + 5
    assert len(transactions) == 2
