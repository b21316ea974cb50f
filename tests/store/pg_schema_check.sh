#!/usr/bin/env bash
# Checks store/schema_pg.cc against the SQLite store (ctest: PgSchemaCheck.*).
#
#   tests/store/pg_schema_check.sh [build-dir]     (default build/ci)
#
# Starts a throwaway PostgreSQL 15 cluster (unix socket only, in a temp dir,
# stopped on exit), applies the PgMigrations() entries (taken from the
# R"sql( ... )sql" literals of store/schema_pg.cc), and compares, table by
# table, with a SQLite store made by `periscope-store init`: tables, column
# names and order, NOT NULL, types (INTEGER bigint, REAL double precision,
# TEXT text, BLOB bytea), defaults, indexes/UNIQUE/PRIMARY KEY, foreign keys
# and the number of CHECKs. It compares the PostgreSQL baseline with the SQLite
# store at the baseline's version, and the whole PostgreSQL list with the
# SQLite store at the last version. Exit 77 (skipped) without a server. It then checks the partitioned samples
# table: the v6 rows copied by migration 7, the (device_id, slot_start) unique
# constraint, and samples_default. Prints every difference; exit 1 if any.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/ci}
store_bin=$build/store/periscope-store
pg_source=$root/store/schema_pg.cc
pgbin=/usr/lib/postgresql/15/bin
[[ -x $store_bin ]] || { echo "no $store_bin: build the periscope-store target" >&2; exit 2; }
[[ -x $pgbin/postgres ]] || { echo "skipped: no PostgreSQL server binaries in $pgbin" >&2; exit 77; }

work=$(mktemp -d /tmp/pg_schema_check.XXXXXX)
data=$work/data
as_pg=()
if [[ $EUID -eq 0 ]]; then
  chown postgres: "$work"
  as_pg=(runuser -u postgres --)
fi
started=0
cleanup() {
  if [[ $started -eq 1 ]]; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log" >&2; exit 2; }
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$work/server.log" -w \
  -o "-c listen_addresses='' -k $work -p $port -c fsync=off" start >/dev/null ||
  { cat "$work/server.log" >&2; exit 2; }
started=1
psql_in() {  # psql_in DB [psql args...]
  local db=$1; shift
  psql -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres -d "$db" "$@"
}
psql_in postgres -c 'CREATE DATABASE pg_baseline' -c 'CREATE DATABASE pg_last'

# One file per migration: $work/pg_<version>.sql; versions ascending in $work/pg_versions.
python3 - "$pg_source" "$work" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
found = re.findall(r'\{\s*(\d+)\s*,\s*R"sql\((.*?)\)sql"\s*\}', text, re.S)
if not found:
    sys.exit("no {version, R\"sql(...)sql\"} entries in " + sys.argv[1])
versions = [int(v) for v, _ in found]
if versions != sorted(set(versions)):
    sys.exit("PgMigrations() versions not strictly ascending: %s" % versions)
for v, sql in found:
    open("%s/pg_%s.sql" % (sys.argv[2], v), "w").write(sql)
open(sys.argv[2] + "/pg_versions", "w").write(" ".join(map(str, versions)) + "\n")
PY
read -r -a versions <"$work/pg_versions"
baseline=${versions[0]}
last=${versions[${#versions[@]} - 1]}
apply_pg() {  # apply_pg DB VERSION
  psql_in "$1" --single-transaction -f "$work/pg_$2.sql" >/dev/null ||
    { echo "PostgreSQL migration $2 failed in $1" >&2; exit 1; }
}

# SQLite at the baseline and at the last version.
"$store_bin" --db "$work/sqlite_init.db" init >/dev/null
sqlite_version=$(sqlite3 "$work/sqlite_init.db" 'PRAGMA user_version')
if [[ $sqlite_version -ne $baseline ]]; then
  echo "note: periscope-store init writes version $sqlite_version; the baseline ($baseline) is" \
    "compared only as part of the full list"
fi
cp "$work/sqlite_init.db" "$work/sqlite_last.db"
sqlite_last_version=$(sqlite3 "$work/sqlite_last.db" 'PRAGMA user_version')
[[ $sqlite_last_version -eq $last ]] ||
  { echo "SQLite is at version $sqlite_last_version, PgMigrations() ends at $last"; exit 1; }

# pg_baseline: the baseline only. pg_last: the baseline, one v6 sample, the rest.
apply_pg pg_baseline "$baseline"
apply_pg pg_last "$baseline"
if [[ $baseline -eq 6 ]]; then
  psql_in pg_last >/dev/null <<'SQL' || { echo "storing a v6 sample in the baseline failed" >&2; exit 1; }
INSERT INTO customers (id, user_id, name) VALUES (1, 'u1', 'Customer 1');
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (1, '192.0.2.1', 161, 'p', 1);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (1, 1, 1, 'S1', 0, 0);
INSERT INTO poll_runs (id, started_at, state) VALUES (1, 0, 'finished');
INSERT INTO samples (id, device_id, run_id, sampled_at, status_text)
  VALUES (41, 1, 1, 1700000123, 'copied');
SQL
fi
for v in "${versions[@]:1}"; do apply_pg pg_last "$v"; done

dump_sqlite() {  # dump_sqlite FILE -> JSON on stdout
  sqlite3 -json "$1" <<'SQL'
SELECT 'col' AS what, m.name AS tbl, p.cid AS pos, p.name AS name, p.type AS type,
       p."notnull" AS nn, p.dflt_value AS dflt, p.pk AS pk, m.sql AS sql
  FROM sqlite_schema m, pragma_table_info(m.name) p
  WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
UNION ALL
SELECT 'idx', m.name, ii.seqno, il.name, NULL, il."unique", il.origin, il.partial, ii.name
  FROM sqlite_schema m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
  WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
UNION ALL
SELECT 'fk', m.name, f.id * 1000 + f.seq, f."from", f."table", NULL, f."to", NULL, NULL
  FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
  WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\';
SQL
}
dump_pg() {  # dump_pg DB -> JSON on stdout
  psql_in "$1" -At <<'SQL'
WITH t AS (
  SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition)
SELECT coalesce(json_agg(r), '[]') FROM (
  SELECT 'col' AS what, t.relname AS tbl, a.attnum AS pos, a.attname AS name,
         format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS nn,
         pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS ident, NULL AS extra
    FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum
  UNION ALL
  SELECT 'idx', t.relname, k.ord, ic.relname, NULL, i.indisunique, NULL::text,
         (i.indpred IS NOT NULL)::text, a.attname
    FROM t JOIN pg_index i ON i.indrelid = t.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
  UNION ALL
  SELECT 'fk', t.relname, k.ord, a.attname, rt.relname, NULL, ra.attname, NULL, co.conname
    FROM t JOIN pg_constraint co ON co.conrelid = t.oid AND co.contype = 'f'
    JOIN pg_class rt ON rt.oid = co.confrelid
    CROSS JOIN LATERAL unnest(co.conkey, co.confkey) WITH ORDINALITY AS k(attnum, rattnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    JOIN pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = k.rattnum
  UNION ALL
  SELECT 'check', t.relname, 0, co.conname, NULL, NULL, NULL, NULL, NULL
    FROM t JOIN pg_constraint co ON co.conrelid = t.oid AND co.contype = 'c'
) r;
SQL
}

status=0
compare() {  # compare LABEL SQLITE_FILE PG_DB
  dump_sqlite "$2" >"$work/s.json"
  dump_pg "$3" >"$work/p.json"
  python3 - "$1" "$work/s.json" "$work/p.json" <<'PY' || status=1
import json, re, sys
from collections import defaultdict

label = sys.argv[1]
s_rows = json.load(open(sys.argv[2]))
p_rows = json.load(open(sys.argv[3]))
TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}
# Differences that are the design (see store/schema_pg.cc migration 7), not mistakes.
EXPECTED = {
    "samples: column slot_start: NOT NULL sqlite=False pg=True",
    "samples: column id: default sqlite=identity pg=nextval('samples_id_seq')",
    "samples: unique index on (id) only in sqlite",
}

def norm_default(d):
    if d is None:
        return None
    d = re.sub(r"::[a-z ]+$", "", d.strip())
    d = re.sub(r"'([a-z_]+)'::regclass", r"'\1'", d)
    m = re.fullmatch(r"'(-?[0-9.]+)'", d)
    return m.group(1) if m else d

def tables(rows, kind):
    out = defaultdict(list)
    for r in rows:
        if r["what"] == kind:
            out[r["tbl"]].append(r)
    return out

s_cols, p_cols = tables(s_rows, "col"), tables(p_rows, "col")
diffs = []
for t in sorted(set(s_cols) - set(p_cols)):
    diffs.append("table %s only in sqlite" % t)
for t in sorted(set(p_cols) - set(s_cols)):
    diffs.append("table %s only in pg" % t)

for t in sorted(set(s_cols) & set(p_cols)):
    sc = sorted(s_cols[t], key=lambda r: r["pos"])
    pc = sorted(p_cols[t], key=lambda r: r["pos"])
    s_names, p_names = [c["name"] for c in sc], [c["name"] for c in pc]
    if s_names != p_names:
        diffs.append("%s: columns sqlite=%s pg=%s" % (t, s_names, p_names))
    pks = [c for c in sc if c["pk"]]
    rowid_alias = (len(pks) == 1 and pks[0]["type"].upper() == "INTEGER"
                   and "WITHOUT ROWID" not in (sc[0]["sql"] or "").upper())
    pmap = {c["name"]: c for c in pc}
    for c in sc:
        p = pmap.get(c["name"])
        if p is None:
            continue
        # A PRIMARY KEY column is NOT NULL in PostgreSQL; in SQLite only an
        # INTEGER PRIMARY KEY or a WITHOUT ROWID key is (others allow NULL).
        s_nn = bool(c["nn"]) or bool(c["pk"])
        if s_nn != bool(p["nn"]):
            diffs.append("%s: column %s: NOT NULL sqlite=%s pg=%s" % (t, c["name"], s_nn, p["nn"]))
        want = TYPES.get(c["type"].upper(), "?" + c["type"])
        if want != p["type"]:
            diffs.append("%s: column %s: type sqlite=%s pg=%s" % (t, c["name"], c["type"], p["type"]))
        s_d = "identity" if (rowid_alias and c["pk"] and c["name"] == "id") else norm_default(c["dflt"])
        p_d = "identity" if p["ident"] == "d" else norm_default(p["dflt"])
        if p["ident"] == "a":
            p_d = "identity ALWAYS"
        if s_d != p_d:
            diffs.append("%s: column %s: default sqlite=%s pg=%s" % (t, c["name"], s_d, p_d))

    # Indexes (incl. PRIMARY KEY and UNIQUE) as (unique, columns, partial); named
    # (CREATE INDEX) ones must have the same name in both.
    def index_sigs(rows):
        by_name = defaultdict(list)
        for r in rows:
            by_name[r["name"]].append(r)
        return by_name
    s_idx = index_sigs(tables(s_rows, "idx").get(t, []))
    p_idx = index_sigs(tables(p_rows, "idx").get(t, []))
    s_set, p_set = [], []
    for name, rs in s_idx.items():
        rs.sort(key=lambda r: r["pos"])
        s_set.append((bool(rs[0]["nn"]), tuple(r["sql"] for r in rs), bool(rs[0]["pk"])))
        if rs[0]["dflt"] == "c" and name not in p_idx:
            diffs.append("%s: index %s missing in pg" % (t, name))
    if rowid_alias:
        s_set.append((True, (pks[0]["name"],), False))
    for name, rs in p_idx.items():
        rs.sort(key=lambda r: r["pos"])
        p_set.append((bool(rs[0]["nn"]), tuple(r["extra"] for r in rs), rs[0]["ident"] == "true"))
    for sig in sorted(set(s_set) - set(p_set)):
        diffs.append("%s: %sindex on (%s)%s only in sqlite"
                     % (t, "unique " if sig[0] else "", ", ".join(sig[1]), " (partial)" if sig[2] else ""))
    for sig in sorted(set(p_set) - set(s_set)):
        diffs.append("%s: %sindex on (%s)%s only in pg"
                     % (t, "unique " if sig[0] else "", ", ".join(sig[1]), " (partial)" if sig[2] else ""))

    # Foreign keys as (columns, table, referenced columns).
    def fks(rows, group_key, ref_col):
        groups = defaultdict(list)
        for r in rows:
            groups[group_key(r)].append(r)
        out = set()
        for rs in groups.values():
            rs.sort(key=lambda r: r["pos"])
            out.add((tuple(r["name"] for r in rs), rs[0]["type"], tuple(r[ref_col] for r in rs)))
        return out
    s_fk = fks(tables(s_rows, "fk").get(t, []), lambda r: r["pos"] // 1000, "dflt")
    p_fk = fks(tables(p_rows, "fk").get(t, []), lambda r: r["extra"], "dflt")
    for fk in sorted(s_fk ^ p_fk):
        diffs.append("%s: foreign key (%s) -> %s(%s) only in %s"
                     % (t, ", ".join(fk[0]), fk[1], ", ".join(fk[2]), "sqlite" if fk in s_fk else "pg"))
    for fk in s_fk:
        if fk[1] == "samples":
            diffs.append("%s: foreign key to samples (partitioned in pg)" % t)

    s_checks = len(re.findall(r"\bCHECK\s*\(", sc[0]["sql"] or "", re.I))
    p_checks = len([r for r in p_rows if r["what"] == "check" and r["tbl"] == t])
    if s_checks != p_checks:
        diffs.append("%s: CHECK constraints sqlite=%d pg=%d" % (t, s_checks, p_checks))

bad = [d for d in diffs if d not in EXPECTED]
for d in diffs:
    print("%s: %s%s" % (label, "expected: " if d in EXPECTED else "DIFFERENCE: ", d))
print("%s: %d tables, %d differences%s" % (label, len(set(s_cols) | set(p_cols)), len(bad),
      " (+%d expected)" % (len(diffs) - len(bad)) if len(diffs) > len(bad) else ""))
sys.exit(1 if bad else 0)
PY
}

if [[ $sqlite_version -eq $baseline ]]; then
  compare "v$baseline baseline" "$work/sqlite_init.db" pg_baseline
fi
compare "v$last" "$work/sqlite_last.db" pg_last

# The partitioned samples table (migration 7).
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then
    echo "samples: ok: $1"
  else
    echo "samples: DIFFERENCE: $1: expected '$2', got '$3'"
    status=1
  fi
}
if [[ $last -ge 7 ]]; then
  q() { psql_in pg_last -At -c "$1"; }
  check "the v6 sample was copied with slot_start = sampled_at into samples_default" \
    "41|1700000123|1700000123|copied|samples_default" \
    "$(q "SELECT id, sampled_at, slot_start, status_text, tableoid::regclass FROM samples")"
  q "CREATE TABLE samples_p20240101 PARTITION OF samples FOR VALUES FROM (1704067200) TO (1704153600)" >/dev/null
  check "a new sample's id continues after the copied ones" "42" \
    "$(q "INSERT INTO samples (device_id, run_id, sampled_at, slot_start) VALUES (1, 1, 1704067260, 1704067200) RETURNING id")"
  check "a sample in a daily slot lands in its partition" "samples_p20240101" \
    "$(q "SELECT tableoid::regclass FROM samples WHERE slot_start = 1704067200")"
  dup=$(psql_in pg_last -At -v VERBOSITY=verbose \
    -c "INSERT INTO samples (device_id, run_id, sampled_at, slot_start) VALUES (1, 1, 1704067300, 1704067200)" 2>&1 || true)
  check "a second sample for (device 1, slot 1704067200) is a unique violation" "23505" \
    "$(grep -o '23505' <<<"$dup" | head -1)"
  check "a sample outside the daily partitions lands in samples_default" "samples_default" \
    "$(q "INSERT INTO samples (device_id, run_id, sampled_at, slot_start) VALUES (1, 1, 1800000000, 1800000000) RETURNING tableoid::regclass")"
  dup=$(psql_in pg_last -At -v VERBOSITY=verbose \
    -c "INSERT INTO samples (device_id, run_id, sampled_at, slot_start) VALUES (1, 1, 1800000001, 1800000000)" 2>&1 || true)
  check "a duplicate in samples_default is a unique violation too" "23505" \
    "$(grep -o '23505' <<<"$dup" | head -1)"
  check "the id sequence belongs to samples.id (for a copy tool's setval)" "public.samples_id_seq" \
    "$(q "SELECT pg_get_serial_sequence('samples', 'id')")"
fi

if [[ $status -eq 0 ]]; then echo "pg_schema_check: no differences"; else echo "pg_schema_check: DIFFERENCES"; fi
exit $status
