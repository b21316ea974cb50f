#include "store/leases_view.h"

#include <string>
#include <vector>

namespace periscope::store {
namespace {

// All rows of a prepared, bound statement as text (NULL as "").
Result<TextTable> Collect(Stmt& stmt) {
  TextTable table;
  bool first = true;
  while (true) {
    auto row = stmt.Step();
    if (!row.ok()) return row.status();
    // PostgreSQL knows the columns only once the statement has run.
    if (first) {
      for (int c = 0; c < stmt.ColumnCount(); ++c) table.columns.push_back(stmt.ColumnName(c));
      first = false;
    }
    if (!*row) break;
    std::vector<std::string> values;
    for (int c = 0; c < stmt.ColumnCount(); ++c) values.push_back(stmt.Text(c));
    table.rows.push_back(std::move(values));
  }
  return table;
}

}  // namespace

Result<TextTable> ListPollers(Db& db) {
  auto stmt = db.Prepare(
      "SELECT p.name AS name, p.host AS host, p.pid AS pid, p.state AS state, "
      "periscope_utc_text(p.started_at) AS started, periscope_utc_text(p.last_seen) AS last_seen, "
      "p.last_run_id AS last_run, r.state AS run_state, r.targets_ok AS targets_ok, "
      "r.targets_failed AS targets_failed "
      "FROM pollers p LEFT JOIN poll_runs r ON r.id = p.last_run_id ORDER BY p.name");
  if (!stmt.ok()) return stmt.status();
  return Collect(*stmt);
}

Result<TextTable> ListLeases(Db& db, int64_t now_s, bool all) {
  auto stmt = db.Prepare(
      "SELECT bucket, lease_owner AS owner, epoch, periscope_utc_text(lease_until) AS "
      "leased_until, periscope_utc_text(next_due) AS due, "
      "periscope_utc_text(completed_slot) AS last_completed_slot FROM poll_buckets "
      "WHERE ?1 = 1 OR lease_owner IS NOT NULL OR next_due <= ?2 ORDER BY bucket");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{all ? 1 : 0}).Bind(2, now_s);
  return Collect(*stmt);
}

}  // namespace periscope::store
