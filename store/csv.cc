#include "store/csv.h"

#include <fmt/format.h>

namespace periscope::store {

Result<std::vector<CsvRecord>> ParseCsv(std::string_view content, std::string_view name) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  std::vector<CsvRecord> out;
  size_t i = 0;
  size_t line = 1;
  while (i < content.size()) {
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool record_done = false;
    bool any = false;
    while (!record_done) {
      if (i < content.size() && content[i] == '"') {
        size_t quote_line = line;
        ++i;
        while (true) {
          if (i >= content.size()) {
            return InvalidArgumentError(
                fmt::format("{}:{}: unterminated quoted field", name, quote_line));
          }
          char c = content[i++];
          if (c == '"') {
            if (i < content.size() && content[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        any = true;
      }
      while (i < content.size() && content[i] != ',' && content[i] != '\n' && content[i] != '\r') {
        field += content[i++];
        any = true;
      }
      if (i >= content.size()) {
        record_done = true;
      } else if (content[i] == ',') {
        ++i;
        any = true;
      } else {  // \r\n or \n
        if (content[i] == '\r') ++i;
        if (i < content.size() && content[i] == '\n') ++i;
        ++line;
        record_done = true;
      }
      rec.fields.push_back(std::move(field));
      field.clear();
    }
    if (any) out.push_back(std::move(rec));
  }
  return out;
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {

// -?digits(.digits)?
bool IsPlainNumber(std::string_view v) {
  size_t i = v.empty() || v[0] != '-' ? 0 : 1;
  size_t digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  if (digits == 0) return false;
  if (i == v.size()) return true;
  if (v[i++] != '.') return false;
  size_t fraction = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++fraction;
  return fraction > 0 && i == v.size();
}

}  // namespace

std::string NeutraliseCsvFormula(std::string_view value) {
  if (value.empty() || std::string_view("=+-@\t\r").find(value[0]) == std::string_view::npos ||
      IsPlainNumber(value)) {
    return std::string(value);
  }
  return "'" + std::string(value);
}

}  // namespace periscope::store
