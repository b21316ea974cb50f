// Multi-row statements for the poller's chunk writes (store-internal).
//
// A chunk of results is written with a few statements per table instead of a
// few per row. Statement texts depend only on a row count taken from a fixed
// set (powers of two up to kMaxBatchRows), so each engine sees a bounded
// number of distinct texts (PostgreSQL prepares each once per session).
#ifndef PERISCOPE_STORE_SQL_BATCH_H_
#define PERISCOPE_STORE_SQL_BATCH_H_

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store::internal {

// The most rows one multi-row statement carries (13 parameters a row stay far
// below SQLite's 32,766 and PostgreSQL's 65,535 parameters).
inline constexpr size_t kMaxBatchRows = 64;

// `rows` split into statement sizes: kMaxBatchRows as often as it fits, then
// the binary digits of the rest, largest first. The sizes sum to `rows`.
std::vector<size_t> BatchSizes(size_t rows);

// The size an IN list of `n` values is padded to (repeating its last value):
// the next power of two, at most kMaxBatchRows. `n` must be 1..kMaxBatchRows.
size_t PaddedListSize(size_t n);

// "?, ?, ..., ?" with `n` markers.
std::string Markers(size_t n);

// `rows` rows of VALUES, each "(c1, c2, ...)" with one entry of `columns`
// per column, e.g. {"?", "CAST(? AS BIGINT)"}; rows separated by ", ".
std::string ValuesRows(size_t rows, const std::vector<std::string_view>& columns);

// Whether a statement may carry a row twice (RunWithValueRows).
enum class RepeatedRows {
  kHarmless,  // ON CONFLICT DO NOTHING, UPDATE ... FROM: a copy changes nothing
  kRefused,   // ON CONFLICT DO UPDATE refuses a row twice; plain INSERT adds it twice
};

// Runs "`head` VALUES <rows> `tail`" (an INSERT, or an UPDATE ... FROM (VALUES
// ...)) for `rows` rows: kMaxBatchRows per statement, then the rest in
// BatchSizes pieces or, where repeated rows are harmless, in one statement
// padded to PaddedListSize with copies of the last row.
// bind_row(stmt, first_parameter, row) binds row `row` (0-based, in order)
// from parameter `first_parameter` on, one parameter per column.
template <typename BindRow>
Status RunWithValueRows(Db& db, std::string_view head, const std::vector<std::string_view>& columns,
                        std::string_view tail, RepeatedRows repeated, size_t rows,
                        BindRow bind_row) {
  std::vector<size_t> sizes;
  if (repeated == RepeatedRows::kHarmless) {
    for (size_t left = rows; left > 0; left -= std::min(left, kMaxBatchRows)) {
      sizes.push_back(PaddedListSize(std::min(left, kMaxBatchRows)));
    }
  } else {
    sizes = BatchSizes(rows);
  }
  size_t done = 0;
  for (size_t size : sizes) {
    auto stmt = db.Prepare(fmt::format("{} VALUES {}{}", head, ValuesRows(size, columns), tail));
    if (!stmt.ok()) return stmt.status();
    for (size_t i = 0; i < size; ++i) {
      bind_row(*stmt, static_cast<int>(i * columns.size()) + 1, std::min(done + i, rows - 1));
    }
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
    done += size;
  }
  return Status::Ok();
}

// Runs `sql` (an fmt pattern whose {} is the IN list's markers; the list's
// parameters come first, then `after`) for `values` in lists of at most
// kMaxBatchRows, padded with their last value; on_row(stmt) sees every row.
template <typename OnRow>
Status SelectIn(Db& db, std::string_view sql, const std::vector<int64_t>& values,
                const std::vector<int64_t>& after, OnRow on_row) {
  for (size_t first = 0; first < values.size(); first += kMaxBatchRows) {
    const size_t n = std::min(kMaxBatchRows, values.size() - first);
    const size_t padded = PaddedListSize(n);
    auto stmt = db.Prepare(fmt::format(fmt::runtime(sql), Markers(padded)));
    if (!stmt.ok()) return stmt.status();
    for (size_t i = 0; i < padded; ++i) {
      stmt->Bind(static_cast<int>(i) + 1, values[first + std::min(i, n - 1)]);
    }
    for (size_t i = 0; i < after.size(); ++i) {
      stmt->Bind(static_cast<int>(padded + i) + 1, after[i]);
    }
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      on_row(*stmt);
    }
  }
  return Status::Ok();
}

}  // namespace periscope::store::internal

#endif  // PERISCOPE_STORE_SQL_BATCH_H_
