"""The index's schema, as named migrations applied in order (an old ``reactor.db`` upgrades in
place; each name is recorded in its ``migrations`` table)."""

from __future__ import annotations

#: The ``outdated`` bits of a row, as SQL over its columns (the triggers of 0008 keep the column
#: current): only a doc of ours that carries the source's current SHA-256 can be outdated (else
#: it is stale or missing, which come first); a doc written before inputs were recorded (or by
#: another tool) is outdated by backend.
OUTDATED_SQL = """CASE WHEN doc_sha256 IS sha256 AND skip IS NULL THEN
        (doc_path IS NOT NULL AND doc_path IS NOT path)
        | ((graph_fp IS NOT NULL AND doc_graph IS NOT graph_fp) << 1)
        | ((doc_backend IS NULL
            OR doc_backend IS NOT (SELECT value FROM meta WHERE key = 'backend')) << 2)
    ELSE 0 END"""


def _dir_of(path: str) -> str:
    """SQL for the directory of a repo path (``a/b/c.py`` → ``a/b``, ``c.py`` → ``''``): strip
    every trailing character that is not a slash, then the slash."""
    return f"rtrim(rtrim({path}, replace({path}, '/', '')), '/')"


MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_files_and_imports",
        """
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            blake3 TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            binary INTEGER NOT NULL DEFAULT 0,
            symbols TEXT NOT NULL DEFAULT '',
            last_result TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            failed_blake3 TEXT
        );
        CREATE TABLE imports (
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            module TEXT NOT NULL
        );
        CREATE INDEX imports_by_module ON imports(module);
        CREATE INDEX imports_by_file ON imports(file_id);
        """,
    ),
    ("0002_files_by_blake3", "CREATE INDEX files_by_blake3 ON files(blake3)"),
    (
        # Every way a source leaves the index (a tick, `status`, `generate`, another process)
        # leaves a tombstone; the daemon consumes them and removes the orphaned doc, so removing
        # docs stays the lock holder's job while any process may notice the deletion.
        "0003_tombstones",
        """
        CREATE TABLE tombstones (
            path TEXT PRIMARY KEY,
            blake3 TEXT NOT NULL,
            sha256 TEXT NOT NULL
        )
        """,
    ),
    (
        # The SHA-256 in the doc's header as last seen or written by the reactor, so progress
        # (fresh out of total) comes from one query instead of reading every doc.
        "0004_files_doc_sha256",
        "ALTER TABLE files ADD COLUMN doc_sha256 TEXT",
    ),
    (
        # Keys under which other files' imports reach a file (Go packages, Java types, headers;
        # see reactor.facts.resolve). Imports hold the importing side's keys.
        "0005_provides",
        """
        CREATE TABLE provides (
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            key TEXT NOT NULL
        );
        CREATE INDEX provides_by_key ON provides(key);
        CREATE INDEX provides_by_file ON provides(file_id)
        """,
    ),
    (
        # Sources that cannot be documented stay in the index with the reason (too_large,
        # binary, unreadable: see reactor.observe), so their docs are never taken for orphans
        # and every count names them; `binary` (0001) is superseded by it. `retry_at` is the
        # wall-clock time a failed file is tried again, for `status` and for a restarted daemon.
        # A tombstone's `had_doc`: whether its source had a doc as last seen (the brake on mass
        # removal counts docs, not sources that never had one).
        "0006_skip_and_retry_at",
        """
        ALTER TABLE files ADD COLUMN skip TEXT;
        UPDATE files SET skip = 'binary' WHERE binary = 1;
        ALTER TABLE files ADD COLUMN retry_at REAL;
        ALTER TABLE tombstones ADD COLUMN had_doc INTEGER NOT NULL DEFAULT 1
        """,
    ),
    (
        # A file's facts (reactor.facts.Facts as JSON), extracted once per content: the outline
        # backend and graph context read them instead of parsing the file again.
        "0007_files_facts",
        "ALTER TABLE files ADD COLUMN facts TEXT",
    ),
    (
        # What each doc was made from besides its source (reactor.inputs): the backend's
        # identity and the graph context's digest when it was written, and the path it was
        # written for; `graph_fp` is the graph context's digest as it renders now (kept current
        # by the `regraph` queue when a neighbour changes), and `outdated` the bits (1 path,
        # 2 neighbours, 4 backend) of what differs, kept by the triggers below so that finding
        # an outdated doc is one index seek. The backend identity in force is in `meta`.
        # Tombstones keep a doc's inputs, so that a moved doc keeps them too; import edges keep
        # the names imported, which the graph context shows.
        "0008_doc_inputs",
        """
        ALTER TABLE files ADD COLUMN graph_fp TEXT;
        ALTER TABLE files ADD COLUMN doc_backend TEXT;
        ALTER TABLE files ADD COLUMN doc_graph TEXT;
        ALTER TABLE files ADD COLUMN doc_path TEXT;
        ALTER TABLE files ADD COLUMN outdated INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX files_outdated ON files(outdated) WHERE outdated != 0;
        ALTER TABLE tombstones ADD COLUMN doc_backend TEXT;
        ALTER TABLE tombstones ADD COLUMN doc_graph TEXT;
        ALTER TABLE imports ADD COLUMN names TEXT NOT NULL DEFAULT '';
        CREATE TABLE regraph (path TEXT PRIMARY KEY);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TRIGGER files_outdated_on_update
            AFTER UPDATE OF
                sha256, skip, doc_sha256, doc_backend, doc_graph, doc_path, graph_fp, path
            ON files
            WHEN NEW.doc_sha256 IS NOT NULL OR OLD.outdated != 0
        BEGIN
            UPDATE files SET outdated = {outdated} WHERE id = NEW.id;
        END;
        CREATE TRIGGER files_outdated_on_insert AFTER INSERT ON files
            WHEN NEW.doc_sha256 IS NOT NULL
        BEGIN
            UPDATE files SET outdated = {outdated} WHERE id = NEW.id;
        END
        """.replace("{outdated}", OUTDATED_SQL),
    ),
    (
        # What a model wrote of a file's parts (grounded docs): per part (the summary, each
        # symbol) the fingerprint of what it was written from and the text, as JSON, so that
        # an edit asks only about the parts it changed.
        "0009_files_prose",
        "ALTER TABLE files ADD COLUMN prose TEXT",
    ),
    (
        # Known work (reactor.rows.PENDING_SQL): sources whose doc is missing or stale and not
        # given up on, so the scheduler takes them in order with one index seek each, after a
        # restart too, instead of waiting for the random sampler to come by (5 is the
        # scheduler's MAX_ATTEMPTS_PER_HASH: a content declined or failed that often waits for
        # its next change).
        "0011_files_pending",
        """
        CREATE INDEX files_pending ON files(id) WHERE skip IS NULL
            AND (doc_sha256 IS NULL OR doc_sha256 != sha256)
            AND (failed_blake3 IS NULL OR failed_blake3 != blake3 OR failures < 5)
        """,
    ),
    (
        # Full-text search over the docs (reactor.search): one FTS5 row per doc, its path and
        # text, ranked by BM25; `doc_search_rows` maps a doc's path to its FTS rowid and the
        # SHA-256 in the header of the text indexed, so docs written while nothing listened
        # (another tool, an older reactor) are found and indexed.
        "0012_doc_search",
        """
        CREATE VIRTUAL TABLE doc_search USING fts5(path, body, tokenize = 'porter unicode61');
        CREATE TABLE doc_search_rows (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL
        )
        """,
    ),
    (
        # Pages (reactor.pages): each directory's record (what its page is made from, as JSON)
        # and the page as written (header, inputs); `page_dirty` holds the directories whose
        # page may have changed, kept by the triggers below on every way a file's row changes
        # (added, removed, its interface, facts, graph context or content: a content change
        # may add an entry point; declined by the backend or no more: a page lists no declined
        # source), and when the manifests change (the repository page's entry
        # points). A body-only edit puts its directory here, and its page is found unchanged.
        # (No OR IGNORE in a trigger: the statement that fires it imposes its own conflict
        # policy, and a files upsert would fail on a directory already listed.)
        "0013_pages",
        """
        CREATE TABLE pages (
            dir TEXT PRIMARY KEY,
            record TEXT NOT NULL,
            sha256 TEXT,
            inputs TEXT,
            skip TEXT,
            stamp TEXT
        );
        CREATE TABLE page_dirty (dir TEXT PRIMARY KEY);
        INSERT OR IGNORE INTO page_dirty SELECT DISTINCT {dir_of_path} FROM files;
        CREATE TRIGGER pages_on_insert AFTER INSERT ON files
        BEGIN
            INSERT INTO page_dirty SELECT {dir_of_new}
                WHERE NOT EXISTS (SELECT 1 FROM page_dirty WHERE dir = {dir_of_new});
        END;
        CREATE TRIGGER pages_on_delete AFTER DELETE ON files
        BEGIN
            INSERT INTO page_dirty SELECT {dir_of_old}
                WHERE NOT EXISTS (SELECT 1 FROM page_dirty WHERE dir = {dir_of_old});
        END;
        CREATE TRIGGER pages_on_update
            AFTER UPDATE OF symbols, facts, graph_fp, skip, sha256, last_result ON files
            WHEN OLD.symbols IS NOT NEW.symbols OR OLD.facts IS NOT NEW.facts
                OR OLD.graph_fp IS NOT NEW.graph_fp OR OLD.skip IS NOT NEW.skip
                OR OLD.sha256 IS NOT NEW.sha256
                OR (OLD.last_result LIKE 'noop:%') IS NOT (NEW.last_result LIKE 'noop:%')
        BEGIN
            INSERT INTO page_dirty SELECT {dir_of_new}
                WHERE NOT EXISTS (SELECT 1 FROM page_dirty WHERE dir = {dir_of_new});
        END;
        CREATE TRIGGER pages_on_manifests AFTER INSERT ON meta WHEN NEW.key = 'manifests'
        BEGIN
            INSERT INTO page_dirty SELECT ''
                WHERE NOT EXISTS (SELECT 1 FROM page_dirty WHERE dir = '');
        END
        """.replace("{dir_of_path}", _dir_of("path"))
        .replace("{dir_of_new}", _dir_of("NEW.path"))
        .replace("{dir_of_old}", _dir_of("OLD.path")),
    ),
]
