"""Backup and restore: the whole database as one Parquet file per table, written in one
transaction (so the copy is consistent while the app keeps working), with the installation's
pseudonymisation key kept apart in a file of its own.

Without the key the backup's figures are all there, but files imported later no longer join the
people already loaded (the same e-mail would hash to another key): keep the key somewhere safe,
and apart from the data if the backup travels.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from lookdown.store import audit
from lookdown.store.access import require_editor
from lookdown.store.database import Database, DatabaseBusy

MANIFEST = "manifest.json"
DATA_FOLDER = "tables"
KEY_FILE = "pseudonymisation.key"
SEQUENCES = ("upload_id_seq", "audit_id_seq")
README = """This folder is a Lookdown backup, made {made}.

  tables/                  every table of the database, one Parquet file each
  manifest.json            the tables, their rows and where the numbering of uploads had got to
  pseudonymisation.key     the installation's key: KEEP IT SECRET, and keep it: without it, files
                           imported after a restore no longer join the people already loaded

Restore with:  python -m lookdown restore {folder} [--db PATH] [--force]
"""


class RestoreRefused(RuntimeError):
    """Restoring would replace a database that exists (or is open) without being asked to."""


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    tables: dict[str, int]  # rows per table

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _literal(path: Path) -> str:
    """A path as an SQL string literal, for COPY (which takes no bound parameters)."""
    text = str(path)
    if "'" in text or "\x00" in text:
        raise ValueError(f"Choose a folder whose path has no quote in it: {text}")
    return "'" + text + "'"


def backup(db: Database, folder: Path) -> BackupReport:
    """Write every table of `db` into `folder` (new, or empty) in one transaction, and the key."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: back up into a new folder.")
    (folder / DATA_FOLDER).mkdir(parents=True, exist_ok=True)
    cur = db.cursor()
    tables = [name for (name,) in cur.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' and not temporary order by 1").fetchall()]
    rows = {}
    cur.execute("begin transaction")
    try:
        for table in tables:  # names come from the database's own catalogue
            ((rows[table],),) = cur.execute(f'select count(*) from "{table}"').fetchall()
            target = _literal(folder / DATA_FOLDER / f"{table}.parquet")
            cur.execute(f'copy "{table}" to {target} (format parquet)').fetchall()
        sequences = dict(cur.execute(
            "select sequence_name, last_value from duckdb_sequences() where sequence_name in (select unnest($s))",
            {"s": list(SEQUENCES)}).fetchall())
        cur.execute("commit")
    except BaseException:
        cur.execute("rollback")
        raise
    made = datetime.now().isoformat(timespec="seconds")
    (folder / MANIFEST).write_text(json.dumps(
        {"made": made, "tables": rows, "sequences": sequences}, indent=2, default=str))
    key = folder / KEY_FILE
    key.write_text(db.pseudonymisation_key() + "\n")
    key.chmod(0o600)
    (folder / "README.txt").write_text(README.format(made=made, folder=folder))
    return BackupReport(folder, rows)


def restore(folder: Path, target: Path, *, force: bool = False) -> BackupReport:
    """Rebuild the database at `target` from a backup folder. An existing database is replaced
    only with `force`, and never while a program has it open."""
    require_editor("restore a backup")
    folder, target = Path(folder), Path(target)
    manifest_file = folder / MANIFEST
    if not manifest_file.exists() or not (folder / KEY_FILE).exists():
        raise ValueError(f"{folder} is not a Lookdown backup (it has no {MANIFEST} and {KEY_FILE}).")
    manifest = json.loads(manifest_file.read_text())
    if target.exists():
        if not force:
            raise RestoreRefused(f"{target} exists: restoring would replace everything in it. "
                                 "Say so with --force (the command line) to go ahead.")
        _refuse_if_open(target)
    building = target.with_name(f".{target.name}.restoring")
    for leftover in (building, building.with_suffix(".key"), Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / KEY_FILE, building.with_suffix(".key"))
    # The numbering of uploads and of the trail goes on from where it was (before the schema
    # creates the sequences from 1).
    con = duckdb.connect(str(building))
    for name, last in (manifest.get("sequences") or {}).items():
        if name in SEQUENCES and last is not None:
            con.execute(f"create sequence {name} start {int(last) + 1}")
    con.close()
    db = Database(building)
    try:
        with db.change("restore a backup") as cur:
            for table in manifest["tables"]:
                if not _known_table(cur, table):
                    raise ValueError(f"The backup has a table this version does not know: {table}")
                source = _literal(folder / DATA_FOLDER / f"{table}.parquet")
                cur.execute(f'delete from "{table}"').fetchall()
                cur.execute(f'insert into "{table}" by name select * from read_parquet({source})').fetchall()
            rows, tables = sum(manifest["tables"].values()), len(manifest["tables"])
            made = manifest.get("made")
            audit.record(cur, "restore", f"from the backup made {made}: {rows:,} rows in {tables} tables")
        db.cursor().execute("checkpoint")
    finally:
        db.close()
    os.replace(building.with_suffix(".key"), target.with_suffix(".key"))
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(building, target)
    return BackupReport(folder, manifest["tables"])


def _known_table(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    ((known,),) = cur.execute(
        "select count(*) from duckdb_tables() where schema_name = 'main' and not temporary and table_name = $t",
        {"t": table}).fetchall()
    return bool(known)


def _refuse_if_open(target: Path) -> None:
    try:
        duckdb.connect(str(target)).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise RestoreRefused(f"{target} is open in another program (the app?): stop it before restoring "
                                 "over it.") from exc
        raise


__all__ = ["BackupReport", "DatabaseBusy", "RestoreRefused", "backup", "restore"]
