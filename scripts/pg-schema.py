#!/usr/bin/env python3
"""Wrote src/store/sqlite/pg_schema_gen.h: the PostgreSQL schema of each store file at the first
PostgreSQL release (records 43, audit 6, keystore 1), made from the schema a fresh SQLite data
directory had then (docs/internals/STORE.md, "Schema versions").

Do not run it again: a database made from that baseline is brought forward by SQLite's later
migration steps, translated at run time the same way (pg_schema.c); a new baseline would refuse
every database made before it. SQLite's types become PostgreSQL's (BLOB bytea, INTEGER bigint),
and a table with SQLite's implicit rowid gets an explicit `rowid bigserial`, which the parts
order some walks by."""
import os, re, subprocess, sys, tempfile

binary = sys.argv[1] if len(sys.argv) > 1 else "build/medkeep"
files = [("SQ_MAIN", "medkeep.db"), ("SQ_AUDIT", "audit.db"), ("SQ_KEYS", "keystore.db")]

def translate(stmt):
    # an AUTOINCREMENT key is the table's rowid: a sequence of its own on PostgreSQL
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" in stmt
    rowid = stmt.startswith("CREATE TABLE") and "WITHOUT ROWID" not in stmt and not serial
    s = stmt.replace(" WITHOUT ROWID", "").replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    s = re.sub(r"\bBLOB\b", "BYTEA", s)
    s = re.sub(r"\bINTEGER\b", "BIGINT", s)
    if rowid and not s.startswith("CREATE TABLE schema_version"):
        s = s[: s.rindex(")")] + ", rowid BIGSERIAL)"
    return s

with tempfile.TemporaryDirectory() as d:
    subprocess.run([binary, "init", "--data", d], check=True, capture_output=True)
    out = ["/* Generated once by scripts/pg-schema.py from SQLite's schema at the first PostgreSQL release: do not edit or regenerate. */"]
    for name, f in files:
        path = os.path.join(d, f)
        text = subprocess.run(["sqlite3", path, ".schema"], check=True, capture_output=True, text=True).stdout
        version = subprocess.run(["sqlite3", path, "SELECT version FROM schema_version"], check=True,
                                 capture_output=True, text=True).stdout.strip()
        stmts = [s.strip() for s in text.split(";\n") if s.strip()]
        out.append(f"#define PG_SCHEMA_VERSION_{name[3:]} {version}")
        out.append(f"static const char pg_schema_{name[3:].lower()}[] =")
        for s in stmts:
            s = translate(s.rstrip(";"))
            if s.startswith("CREATE TABLE schema_version") or s.startswith("CREATE TABLE sqlite_sequence"):
                continue
            out.append('\t"' + s.replace("\\", "\\\\").replace('"', '\\"') + ';"')
        out[-1] += ";"
    sys.stdout.write("\n".join(out) + "\n")
