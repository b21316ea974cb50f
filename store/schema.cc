#include "store/schema.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "store/schema_pg.h"

namespace periscope::store {
namespace {

// Migration N (1-based) moves user_version from N-1 to N. Append only: never
// edit a migration that has shipped.
const std::vector<const char*>& Migrations() {
  static const std::vector<const char*> kMigrations = {
      // 1: the history of seed 001 paragraph 0043, per customer in date order.
      R"sql(
CREATE TABLE staff (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('sales', 'support')),
  phone TEXT NOT NULL DEFAULT ''
);
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  contact_person TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  sales_staff_id INTEGER REFERENCES staff(id)
);
CREATE TABLE targets (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL,
  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  profile TEXT NOT NULL,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  UNIQUE (address, port)
);
CREATE TABLE devices (
  id INTEGER PRIMARY KEY,
  target_id INTEGER NOT NULL REFERENCES targets(id),
  device_index INTEGER NOT NULL,
  serial_number TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  UNIQUE (target_id, device_index, serial_number)
);
-- The specification as seen; a new row whenever any field changes (a firmware
-- update is a new row, never an overwrite).
CREATE TABLE device_specs (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  seen_from INTEGER NOT NULL,
  type INTEGER NOT NULL,
  product_name TEXT NOT NULL,
  model TEXT NOT NULL,
  product_number TEXT NOT NULL,
  configuration TEXT NOT NULL,
  firmware TEXT NOT NULL,
  capacity_bytes INTEGER NOT NULL,
  cache_bytes INTEGER NOT NULL,
  sale_date INTEGER,
  price_minor_units INTEGER NOT NULL,
  currency TEXT NOT NULL,
  user_id TEXT NOT NULL
);
CREATE INDEX device_specs_by_device ON device_specs(device_id, seen_from);
CREATE TABLE poll_runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  state TEXT NOT NULL CHECK (state IN ('started', 'finished', 'failed')),
  targets_total INTEGER NOT NULL DEFAULT 0,
  targets_ok INTEGER NOT NULL DEFAULT 0,
  targets_failed INTEGER NOT NULL DEFAULT 0
);
-- One row per device per poll: the usage status as served.
CREATE TABLE samples (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  run_id INTEGER NOT NULL REFERENCES poll_runs(id),
  sampled_at INTEGER NOT NULL,
  used_bytes INTEGER NOT NULL,
  capacity_bytes INTEGER NOT NULL,
  load_interval_s INTEGER NOT NULL,
  load_peak_today INTEGER NOT NULL,
  load_avg_today_centi INTEGER NOT NULL,
  writes_completed INTEGER NOT NULL,
  bytes_written INTEGER NOT NULL,
  status INTEGER NOT NULL,
  status_text TEXT NOT NULL
);
CREATE INDEX samples_by_device ON samples(device_id, sampled_at);
-- One row per device and day, upserted; backfilled from the agent's daily table.
CREATE TABLE daily (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  date INTEGER NOT NULL,
  load_peak INTEGER NOT NULL,
  load_avg_centi INTEGER NOT NULL,
  used_bytes INTEGER NOT NULL,
  intervals INTEGER NOT NULL,
  PRIMARY KEY (device_id, date)
) WITHOUT ROWID;
CREATE TABLE poll_errors (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES poll_runs(id),
  target_id INTEGER NOT NULL REFERENCES targets(id),
  at INTEGER NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('timeout', 'auth', 'protocol', 'no-such-object',
                                       'limit', 'internal')),
  message TEXT NOT NULL
);
CREATE INDEX poll_errors_by_run ON poll_errors(run_id);
)sql",
      // 2: hardening. A value an agent hid or sent invalid is NULL, never 0 over
      // a real figure (samples, daily); refused values are kept as warnings;
      // name-resolution failures get their own class; devices can be retired.
      R"sql(
CREATE TABLE samples_v2 (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  run_id INTEGER NOT NULL REFERENCES poll_runs(id),
  sampled_at INTEGER NOT NULL,
  used_bytes INTEGER,
  capacity_bytes INTEGER,
  load_interval_s INTEGER,
  load_peak_today INTEGER,
  load_avg_today_centi INTEGER,
  writes_completed INTEGER,
  bytes_written INTEGER,
  status INTEGER,
  status_text TEXT
);
INSERT INTO samples_v2 SELECT * FROM samples;
DROP TABLE samples;
ALTER TABLE samples_v2 RENAME TO samples;
CREATE INDEX samples_by_device ON samples(device_id, sampled_at);
CREATE TABLE daily_v2 (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  date INTEGER NOT NULL,
  load_peak INTEGER,
  load_avg_centi INTEGER,
  used_bytes INTEGER,
  intervals INTEGER,
  PRIMARY KEY (device_id, date)
) WITHOUT ROWID;
INSERT INTO daily_v2 SELECT * FROM daily;
DROP TABLE daily;
ALTER TABLE daily_v2 RENAME TO daily;
CREATE TABLE poll_errors_v2 (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES poll_runs(id),
  target_id INTEGER NOT NULL REFERENCES targets(id),
  at INTEGER NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('timeout', 'late', 'resolve', 'auth', 'protocol',
                                       'no-such-object', 'limit', 'internal')),
  message TEXT NOT NULL
);
INSERT INTO poll_errors_v2 SELECT * FROM poll_errors;
DROP TABLE poll_errors;
ALTER TABLE poll_errors_v2 RENAME TO poll_errors;
CREATE INDEX poll_errors_by_run ON poll_errors(run_id);
-- A value an agent served that the poller refused; the device's other values
-- were stored.
CREATE TABLE poll_warnings (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES poll_runs(id),
  target_id INTEGER NOT NULL REFERENCES targets(id),
  at INTEGER NOT NULL,
  device_index INTEGER NOT NULL,
  column_name TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX poll_warnings_by_run ON poll_warnings(run_id);
ALTER TABLE poll_runs ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;
-- Set when the device was not seen for the configured number of days.
ALTER TABLE devices ADD COLUMN retired_at INTEGER;
)sql",
      // 3: sales proposals, stock inquiries to manufacturing sites and the
      // outgoing-mail outbox (issue 6; the claim tool and portal reuse the outbox).
      R"sql(
-- One row per device and kind of need; at most one open (not declined,
-- accepted or expired) per device and kind. `revision` grows on every material
-- change of the evidence; a mail covers a revision (mailed_revision).
CREATE TABLE proposals (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  kind TEXT NOT NULL CHECK (kind IN ('capacity', 'cache', 'successor', 'firmware')),
  status TEXT NOT NULL CHECK (status IN ('new', 'mailed', 'inquired', 'accepted', 'declined',
                                         'expired')),
  product_number TEXT NOT NULL,
  product_name TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_minor_units INTEGER NOT NULL,
  price_minor_units INTEGER NOT NULL,
  currency TEXT NOT NULL,
  needed_by INTEGER,
  confidence TEXT NOT NULL,
  summary TEXT NOT NULL,
  evidence_json TEXT NOT NULL,
  -- What makes two drafts the same proposal (product, quantity, needed-by
  -- week...): a different key is a material change (revision + 1).
  material_key TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  mailed_revision INTEGER NOT NULL DEFAULT 0,
  raised_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  checked_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE UNIQUE INDEX proposals_open_by_device_kind ON proposals(device_id, kind)
  WHERE status IN ('new', 'mailed', 'inquired');
CREATE INDEX proposals_by_customer ON proposals(customer_id, status);
-- A purchase-order inquiry for a proposal, sent to every configured site.
-- inquiry_key is the ID the sites echo, so a late answer finds its inquiry.
CREATE TABLE inquiries (
  id INTEGER PRIMARY KEY,
  inquiry_key TEXT NOT NULL UNIQUE,
  proposal_id INTEGER NOT NULL REFERENCES proposals(id),
  product_number TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  delivery_place TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
-- One row per inquiry and site: the site's answer or why there is none.
CREATE TABLE inquiry_answers (
  id INTEGER PRIMARY KEY,
  inquiry_id INTEGER NOT NULL REFERENCES inquiries(id),
  site TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'timeout', 'http-error',
                                       'malformed', 'unreachable')),
  in_stock INTEGER CHECK (in_stock IN (0, 1)),
  quantity_available INTEGER,
  retailer TEXT,
  delivery_date INTEGER,
  message TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  UNIQUE (inquiry_id, site)
);
-- Outgoing mail. `message` is the whole RFC 5322 text (CRLF), fixed at enqueue
-- time, so a retry sends the same bytes with the same Message-ID. State moves
-- queued -> sending -> sent; a failure before the server accepted the message
-- goes back to queued (with next_attempt_at) or to failed after max attempts;
-- a row found in 'sending' after a crash becomes 'unknown' and is not resent
-- unless requeued by hand (no duplicate).
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  message TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
-- Which proposal revisions a mail lists.
CREATE TABLE outbox_proposals (
  outbox_id INTEGER NOT NULL REFERENCES outbox(id),
  proposal_id INTEGER NOT NULL REFERENCES proposals(id),
  revision INTEGER NOT NULL,
  PRIMARY KEY (outbox_id, proposal_id)
) WITHOUT ROWID;
)sql",
      // 4: peripherals (issue 7). Targets and devices have a kind; printers,
      // hosts and LAN equipment keep readings per metric and instance with
      // daily aggregates; proposals gain the peripherals' kinds (the table is
      // rebuilt to widen its CHECK: MigrateTo runs migrations with foreign
      // keys off and checks them before commit).
      R"sql(
ALTER TABLE targets ADD COLUMN kind TEXT NOT NULL DEFAULT 'periscope'
  CHECK (kind IN ('periscope', 'printer', 'host', 'network'));
ALTER TABLE devices ADD COLUMN kind TEXT NOT NULL DEFAULT 'periscope'
  CHECK (kind IN ('periscope', 'printer', 'host', 'network'));
-- A peripheral's stable description; a new row whenever any field changes.
CREATE TABLE peripheral_specs (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  seen_from INTEGER NOT NULL,
  model TEXT NOT NULL,
  model_source TEXT NOT NULL,
  description TEXT NOT NULL,
  firmware TEXT NOT NULL,
  details_json TEXT NOT NULL
);
CREATE INDEX peripheral_specs_by_device ON peripheral_specs(device_id, seen_from);
-- Every reading as served. Counters are stored bit-cast to a signed 64-bit
-- integer (read back as unsigned).
CREATE TABLE metric_samples (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  metric TEXT NOT NULL,
  instance TEXT NOT NULL,
  sampled_at INTEGER NOT NULL,
  run_id INTEGER NOT NULL REFERENCES poll_runs(id),
  value INTEGER NOT NULL,
  PRIMARY KEY (device_id, metric, instance, sampled_at)
) WITHOUT ROWID;
-- The previous reading of each metric instance: the base of the next delta.
CREATE TABLE metric_last (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  metric TEXT NOT NULL,
  instance TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('gauge', 'counter32', 'counter64', 'lifecount')),
  value INTEGER NOT NULL,
  sampled_at INTEGER NOT NULL,
  uptime_cs INTEGER,
  PRIMARY KEY (device_id, metric, instance)
) WITHOUT ROWID;
-- One row per metric instance and local day (see store/metrics.h MetricDay).
CREATE TABLE metric_daily (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  metric TEXT NOT NULL,
  instance TEXT NOT NULL,
  date INTEGER NOT NULL,
  samples INTEGER NOT NULL DEFAULT 0,
  min_value REAL,
  max_value REAL,
  sum_value REAL,
  last_value REAL,
  total REAL NOT NULL DEFAULT 0 CHECK (total >= 0),
  intervals INTEGER NOT NULL DEFAULT 0,
  covered_s INTEGER NOT NULL DEFAULT 0,
  peak_delta REAL CHECK (peak_delta >= 0),
  peak_interval_s INTEGER,
  peak_rate_per_s REAL CHECK (peak_rate_per_s >= 0),
  capacity_per_s REAL,
  discontinuities INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (device_id, metric, instance, date)
) WITHOUT ROWID;
-- A printer's alerts as served at the last poll (replaced each poll).
CREATE TABLE device_alerts (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  alert_index INTEGER NOT NULL,
  severity TEXT NOT NULL,
  alert_group TEXT NOT NULL,
  group_index INTEGER NOT NULL,
  code TEXT NOT NULL,
  description TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, alert_index)
) WITHOUT ROWID;
CREATE TABLE proposals_v4 (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  kind TEXT NOT NULL CHECK (kind IN ('capacity', 'cache', 'successor', 'firmware', 'volume',
                                     'host-storage', 'host-cpu', 'link')
                            OR kind GLOB 'supply-[0-9]*'),
  status TEXT NOT NULL CHECK (status IN ('new', 'mailed', 'inquired', 'accepted', 'declined',
                                         'expired')),
  product_number TEXT NOT NULL,
  product_name TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_minor_units INTEGER NOT NULL,
  price_minor_units INTEGER NOT NULL,
  currency TEXT NOT NULL,
  needed_by INTEGER,
  confidence TEXT NOT NULL,
  summary TEXT NOT NULL,
  evidence_json TEXT NOT NULL,
  material_key TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  mailed_revision INTEGER NOT NULL DEFAULT 0,
  raised_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  checked_at INTEGER NOT NULL,
  closed_at INTEGER
);
INSERT INTO proposals_v4 SELECT * FROM proposals;
DROP TABLE proposals;
ALTER TABLE proposals_v4 RENAME TO proposals;
CREATE UNIQUE INDEX proposals_open_by_device_kind ON proposals(device_id, kind)
  WHERE status IN ('new', 'mailed', 'inquired');
CREATE INDEX proposals_by_customer ON proposals(customer_id, status);
)sql",
      // 5: claims (issue 8). A claim is evidence written once: the devices
      // asked, every value read and the per-item statistics, as they were
      // then (see store/claims.h). Only outbox_id is set afterwards.
      R"sql(
CREATE TABLE claims (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  device_id INTEGER NOT NULL REFERENCES devices(id),
  device_kind TEXT NOT NULL CHECK (device_kind IN ('periscope', 'printer', 'host', 'network')),
  model TEXT NOT NULL,
  category TEXT NOT NULL,
  category_title TEXT NOT NULL,
  symptom TEXT NOT NULL,
  matched_terms TEXT NOT NULL,
  in_charge_name TEXT NOT NULL,
  in_charge_email TEXT NOT NULL,
  deadline_ms INTEGER NOT NULL,
  elapsed_ms INTEGER NOT NULL,
  completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
  outbox_id INTEGER REFERENCES outbox(id)
);
CREATE INDEX claims_by_created ON claims(created_at, id);
CREATE INDEX claims_by_customer ON claims(customer_id, created_at, id);
-- The devices asked, in order (seq 0 is the claimed device).
CREATE TABLE claim_devices (
  claim_id INTEGER NOT NULL REFERENCES claims(id),
  seq INTEGER NOT NULL,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  role TEXT NOT NULL CHECK (role IN ('claimed', 'peer')),
  customer_user_id TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
  error_class TEXT NOT NULL,
  error TEXT NOT NULL,
  read_at INTEGER NOT NULL,
  elapsed_ms INTEGER NOT NULL,
  PRIMARY KEY (claim_id, seq)
) WITHOUT ROWID;
-- Every value read (or refused), in the order read.
CREATE TABLE claim_values (
  claim_id INTEGER NOT NULL REFERENCES claims(id),
  seq INTEGER NOT NULL,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  item TEXT NOT NULL,
  instance TEXT NOT NULL,
  number REAL,
  text TEXT NOT NULL,
  problem TEXT NOT NULL,
  read_at INTEGER NOT NULL,
  PRIMARY KEY (claim_id, seq)
) WITHOUT ROWID;
-- Per (item, instance, measure) statistics over the peers; NULL where not
-- defined.
CREATE TABLE claim_stats (
  claim_id INTEGER NOT NULL REFERENCES claims(id),
  seq INTEGER NOT NULL,
  item TEXT NOT NULL,
  instance TEXT NOT NULL,
  measure TEXT NOT NULL,
  label TEXT NOT NULL,
  unit TEXT NOT NULL,
  example INTEGER NOT NULL CHECK (example IN (0, 1)),
  numeric INTEGER NOT NULL CHECK (numeric IN (0, 1)),
  claimed_number REAL,
  claimed_text TEXT NOT NULL,
  n INTEGER NOT NULL,
  mean REAL,
  median REAL,
  sd REAL,
  min REAL,
  max REAL,
  z REAL,
  robust_z REAL,
  percentile REAL,
  most_common TEXT NOT NULL,
  most_common_count INTEGER NOT NULL,
  differs INTEGER NOT NULL CHECK (differs IN (0, 1)),
  meaningful INTEGER NOT NULL CHECK (meaningful IN (0, 1)),
  flagged INTEGER NOT NULL CHECK (flagged IN (0, 1)),
  PRIMARY KEY (claim_id, seq)
) WITHOUT ROWID;
)sql",
      // 6: the customer portal (issue 9, seed 002). Secrets are stored only
      // as hashes: passwords as yescrypt/Argon2id strings, invite and session
      // tokens as SHA-256 hex. contact_requests and customer_changes are
      // written in the same transaction as the outbox mail that tells the
      // sales person (outbox_id), so a request is never stored unmailed or
      // mailed unstored.
      R"sql(
CREATE TABLE portal_accounts (
  customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
  password_hash TEXT NOT NULL,
  password_set_at INTEGER NOT NULL,
  failed_signins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_signin_at INTEGER
);
CREATE TABLE portal_invites (
  token_sha256 TEXT PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  outbox_id INTEGER REFERENCES outbox(id)
);
CREATE INDEX portal_invites_by_customer ON portal_invites(customer_id);
CREATE TABLE portal_sessions (
  token_sha256 TEXT PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX portal_sessions_by_customer ON portal_sessions(customer_id);
CREATE TABLE contact_requests (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  created_at INTEGER NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('product', 'proposal')),
  product_number TEXT NOT NULL,
  product_name TEXT NOT NULL,
  proposal_id INTEGER REFERENCES proposals(id),
  contact_name TEXT NOT NULL,
  phone TEXT NOT NULL,
  email TEXT NOT NULL,
  preferred_time TEXT NOT NULL,
  message TEXT NOT NULL,
  sales_staff_id INTEGER REFERENCES staff(id),
  sales_email TEXT NOT NULL,
  outbox_id INTEGER REFERENCES outbox(id)
);
CREATE INDEX contact_requests_by_customer ON contact_requests(customer_id, created_at, id);
-- The audit of registered-information updates: one row per changed field,
-- the old and the new value (seed 002 claims 11-20).
CREATE TABLE customer_changes (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  changed_at INTEGER NOT NULL,
  change_set INTEGER NOT NULL,
  field TEXT NOT NULL CHECK (field IN ('contact_person', 'address', 'phone', 'email')),
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  source TEXT NOT NULL,
  outbox_id INTEGER REFERENCES outbox(id)
);
CREATE INDEX customer_changes_by_customer ON customer_changes(customer_id, changed_at, id);
)sql",
      // 7: scale-out (issue 12). The poll slot a sample belongs to (the start,
      // epoch s, of the scheduled interval it was taken for; at most one sample
      // per device per slot); targets in buckets; bucket leases (times on the
      // database's clock, epoch = fencing token growing with every claim);
      // the pollers seen; store-wide settings.
      R"sql(
ALTER TABLE samples ADD COLUMN slot_start INTEGER;
UPDATE samples SET slot_start = sampled_at;
CREATE UNIQUE INDEX samples_by_slot ON samples(device_id, slot_start);
ALTER TABLE targets ADD COLUMN bucket INTEGER NOT NULL DEFAULT 0;
CREATE INDEX targets_by_bucket ON targets(bucket);
-- The last slot whose result (sample or error) for this target is committed:
-- a bucket taken over in the same slot skips what is already stored.
ALTER TABLE targets ADD COLUMN polled_slot INTEGER;
CREATE TABLE poll_buckets (
  bucket INTEGER PRIMARY KEY,
  next_due INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  epoch INTEGER NOT NULL DEFAULT 0,
  claimed_at INTEGER,
  completed_at INTEGER,
  completed_slot INTEGER
);
CREATE INDEX poll_buckets_by_due ON poll_buckets(next_due);
CREATE TABLE pollers (
  name TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  last_run_id INTEGER,
  state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'stopped'))
);
CREATE TABLE store_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
ALTER TABLE poll_runs ADD COLUMN poller TEXT;
ALTER TABLE poll_runs ADD COLUMN reconnects INTEGER NOT NULL DEFAULT 0;
ALTER TABLE poll_runs ADD COLUMN leases_lost INTEGER NOT NULL DEFAULT 0;
)sql",
      // 8: the poll slot of an error row, so a failed target too is recorded
      // at most once per slot (a chunk replayed after a lost COMMIT reply
      // adds nothing). Rows of earlier versions keep NULL (never a conflict).
      R"sql(
ALTER TABLE poll_errors ADD COLUMN slot_start INTEGER;
CREATE UNIQUE INDEX poll_errors_by_slot ON poll_errors(target_id, slot_start);
)sql",
  };
  return kMigrations;
}

const char* const kExpectedTables[] = {"staff",
                                       "customers",
                                       "targets",
                                       "devices",
                                       "device_specs",
                                       "poll_runs",
                                       "samples",
                                       "daily",
                                       "poll_errors",
                                       "poll_warnings",
                                       "proposals",
                                       "inquiries",
                                       "inquiry_answers",
                                       "outbox",
                                       "outbox_proposals",
                                       "peripheral_specs",
                                       "metric_samples",
                                       "metric_last",
                                       "metric_daily",
                                       "device_alerts",
                                       "claims",
                                       "claim_devices",
                                       "claim_values",
                                       "claim_stats",
                                       "portal_accounts",
                                       "portal_invites",
                                       "portal_sessions",
                                       "contact_requests",
                                       "customer_changes",
                                       "poll_buckets",
                                       "pollers",
                                       "store_settings"};

}  // namespace

int SchemaVersion() { return static_cast<int>(Migrations().size()); }

Status SchemaVersionMismatch(const std::string& database, int version) {
  // A URI is shown without its password, and quoted in the advice (its & and
  // ? mean something to a shell).
  const std::string path = RedactDatabase(database);
  const std::string arg = IsPostgresUri(database) ? "\"" + path + "\"" : path;
  if (version > SchemaVersion()) {
    return FailedPreconditionError(
        fmt::format("{}: schema version {} is newer than this periscope ({}); upgrade periscope "
                    "(the database was not changed)",
                    path, version, SchemaVersion()));
  }
  if (version == 0) {
    return FailedPreconditionError(fmt::format(
        "{}: not initialised (schema version 0); run 'periscope-store --db {} init'", path, arg));
  }
  return FailedPreconditionError(
      fmt::format("{}: schema version {}, this periscope reads {}; run 'periscope-store --db {} "
                  "init' to migrate it",
                  path, version, SchemaVersion(), arg));
}

Result<int> CurrentVersion(Db& db) {
  if (db.is_postgres()) {
    auto exists = db.Prepare("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists.ok()) return exists.status();
    auto found = exists->Step();
    if (!found.ok()) return found.status();
    if (exists->Int(0) == 0) return 0;
    auto version = db.Prepare("SELECT max(version) FROM schema_version");
    if (!version.ok()) return version.status();
    auto row = version->Step();
    if (!row.ok()) return row.status();
    return static_cast<int>(version->Int(0));
  }
  auto stmt = db.Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(stmt->Int(0));
}

namespace {

// FailedPrecondition when a version-0 database already has tables: they are
// not ours, and init must not add periscope's beside them.
Status RefuseForeignTables(Db& db) {
  auto tables = db.Prepare(
      db.is_postgres()
          ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
          : "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
  if (!tables.ok()) return tables.status();
  auto row = tables->Step();
  if (!row.ok()) return row.status();
  if (tables->Int(0) > 0) {
    return FailedPreconditionError(fmt::format(
        "{}: not a periscope database (it has tables but schema version 0)", db.path()));
  }
  return Status::Ok();
}

}  // namespace

Status MigrateExisting(Db& db) {
  auto version = CurrentVersion(db);
  if (!version.ok()) return version.status();
  if (*version == 0) {
    PERISCOPE_RETURN_IF_ERROR(RefuseForeignTables(db));
    return FailedPreconditionError(
        fmt::format("{}: not initialised (schema version 0); run 'periscope-store --db {} init'",
                    db.path(), db.path()));
  }
  return Migrate(db);
}

Status Migrate(Db& db) { return MigrateTo(db, SchemaVersion()); }

// Text sorts bytewise in SQLite; lists, reports and the copy tool's checksums
// rely on that order, so a PostgreSQL store needs the C collation.
Status RequireBytewiseCollation(Db& db) {
  auto st = db.Prepare(
      "SELECT datcollate, datlocprovider FROM pg_catalog.pg_database "
      "WHERE datname = current_database()");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  std::string collation = *row ? st->Text(0) : "";
  if (*row && st->Text(1) == "i") collation = "ICU";
  if (collation == "C" || collation == "POSIX" || collation == "C.UTF-8" || collation == "C.utf8") {
    return Status::Ok();
  }
  return FailedPreconditionError(fmt::format(
      "{}: the database's collation is '{}'; periscope needs 'C' (text sorted bytewise, as in "
      "SQLite). Create it with: CREATE DATABASE name TEMPLATE template0 LC_COLLATE 'C' "
      "LC_CTYPE 'C' (or createdb --locale=C --template=template0 name)",
      db.path(), collation));
}

// PostgreSQL stores begin at the baseline (the first PgMigrations() entry:
// the whole schema of that version in one step); each migration runs in one
// transaction under the writer lock, which also keeps two tools started at
// once from migrating the same store twice.
Status MigratePostgresTo(Db& db, int target_version) {
  const int target = std::min(target_version, SchemaVersion());
  for (const PgMigration& migration : PgMigrations()) {
    if (migration.version > target) break;
    Status s = InTransaction(db, [&]() -> Status {
      auto version = CurrentVersion(db);
      if (!version.ok()) return version.status();
      if (*version > SchemaVersion()) return SchemaVersionMismatch(db.path(), *version);
      if (*version >= migration.version) return Status::Ok();
      if (*version == 0) {
        PERISCOPE_RETURN_IF_ERROR(RefuseForeignTables(db));
        PERISCOPE_RETURN_IF_ERROR(RequireBytewiseCollation(db));
      }
      PERISCOPE_RETURN_IF_ERROR(db.Exec(migration.sql));
      PERISCOPE_RETURN_IF_ERROR(
          db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL); "
                  "DELETE FROM schema_version"));
      auto set = db.Prepare("INSERT INTO schema_version (version) VALUES (?)");
      if (!set.ok()) return set.status();
      set->Bind(1, int64_t{migration.version});
      return set->Run();
    });
    if (!s.ok()) return s.WithPrefix(fmt::format("migration {}", migration.version));
  }
  auto version = CurrentVersion(db);
  if (!version.ok()) return version.status();
  if (*version < target) {
    return FailedPreconditionError(
        fmt::format("{}: PostgreSQL stores start at schema version {}; cannot stop at {}",
                    db.path(), PgMigrations().front().version, target));
  }
  return Status::Ok();
}

Status MigrateTo(Db& db, int target_version) {
  if (db.is_postgres()) return MigratePostgresTo(db, target_version);
  auto version = CurrentVersion(db);
  if (!version.ok()) return version.status();
  if (*version > SchemaVersion()) return SchemaVersionMismatch(db.path(), *version);
  if (*version == 0) PERISCOPE_RETURN_IF_ERROR(RefuseForeignTables(db));
  if (*version >= std::min(target_version, SchemaVersion())) return Status::Ok();
  // SQLite's procedure for rebuilding a table that others reference: foreign
  // keys off (only possible outside a transaction), the migration, then
  // foreign_key_check inside the same transaction before it commits.
  PERISCOPE_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=OFF"));
  Status result = Status::Ok();
  for (int v = *version; v < std::min(target_version, SchemaVersion()); ++v) {
    Status s = InTransaction(db, [&]() -> Status {
      PERISCOPE_RETURN_IF_ERROR(db.Exec(Migrations()[static_cast<size_t>(v)]));
      auto fk = db.Prepare("PRAGMA foreign_key_check");
      if (!fk.ok()) return fk.status();
      auto fk_row = fk->Step();
      if (!fk_row.ok()) return fk_row.status();
      if (*fk_row) {
        return DataLossError(fmt::format("foreign_key_check: table {} row {} has no parent in {}",
                                         fk->Text(0), fk->Int(1), fk->Text(2)));
      }
      fk->Reset();
      return db.Exec(fmt::format("PRAGMA user_version = {}", v + 1));
    });
    if (!s.ok()) {
      result = s.WithPrefix(fmt::format("migration {}", v + 1));
      break;
    }
  }
  Status on = db.Exec("PRAGMA foreign_keys=ON");
  if (!result.ok()) return result;
  return on;
}

namespace {

// PostgreSQL checks its own pages and foreign keys as it writes; what can
// still be wrong is a missing table or partitioning gone (a restore into a
// hand-made schema).
Status CheckPostgres(Db& db) {
  for (const char* table : kExpectedTables) {
    auto stmt = db.Prepare("SELECT to_regclass(?) IS NOT NULL");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, table);
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (stmt->Int(0) == 0) {
      return DataLossError(fmt::format("{}: table {} is missing", db.path(), table));
    }
  }
  auto partitioned = db.Prepare(
      "SELECT count(*) FROM pg_catalog.pg_partitioned_table p "
      "JOIN pg_catalog.pg_class c ON c.oid = p.partrelid "
      "WHERE c.relname = 'samples' AND c.relnamespace = to_regnamespace(current_schema())");
  if (!partitioned.ok()) return partitioned.status();
  auto row = partitioned->Step();
  if (!row.ok()) return row.status();
  if (partitioned->Int(0) != 1) {
    return DataLossError(fmt::format("{}: samples is not partitioned by day", db.path()));
  }
  return Status::Ok();
}

}  // namespace

Status CheckDatabase(Db& db) {
  auto version = CurrentVersion(db);
  if (!version.ok()) return version.status();
  if (*version != SchemaVersion()) return SchemaVersionMismatch(db.path(), *version);
  if (db.is_postgres()) return CheckPostgres(db);
  auto integrity = db.Prepare("PRAGMA integrity_check");
  if (!integrity.ok()) return integrity.status();
  std::string problems;
  while (true) {
    auto row = integrity->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (integrity->Text(0) != "ok") problems += integrity->Text(0) + "; ";
  }
  if (!problems.empty()) {
    return DataLossError(fmt::format("{}: integrity_check: {}", db.path(), problems));
  }
  auto fk = db.Prepare("PRAGMA foreign_key_check");
  if (!fk.ok()) return fk.status();
  auto fk_row = fk->Step();
  if (!fk_row.ok()) return fk_row.status();
  if (*fk_row) {
    return DataLossError(fmt::format("{}: foreign_key_check: table {} row {} has no parent in {}",
                                     db.path(), fk->Text(0), fk->Int(1), fk->Text(2)));
  }
  for (const char* table : kExpectedTables) {
    auto stmt = db.Prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, table);
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return DataLossError(fmt::format("{}: table {} is missing", db.path(), table));
  }
  return Status::Ok();
}

}  // namespace periscope::store
