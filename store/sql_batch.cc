#include "store/sql_batch.h"

#include <bit>

namespace periscope::store::internal {

std::vector<size_t> BatchSizes(size_t rows) {
  std::vector<size_t> out;
  for (; rows >= kMaxBatchRows; rows -= kMaxBatchRows) out.push_back(kMaxBatchRows);
  for (size_t size = kMaxBatchRows / 2; size > 0; size /= 2) {
    if (rows & size) out.push_back(size);
  }
  return out;
}

size_t PaddedListSize(size_t n) {
  return n >= kMaxBatchRows ? kMaxBatchRows : std::bit_ceil(n == 0 ? size_t{1} : n);
}

std::string Markers(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

std::string ValuesRows(size_t rows, const std::vector<std::string_view>& columns) {
  std::string row = "(";
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) row += ", ";
    row += columns[c];
  }
  row += ")";
  std::string out;
  out.reserve(rows * (row.size() + 2));
  for (size_t r = 0; r < rows; ++r) {
    if (r > 0) out += ", ";
    out += row;
  }
  return out;
}

}  // namespace periscope::store::internal
