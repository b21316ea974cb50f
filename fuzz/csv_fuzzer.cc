// Fuzzes store::ParseCsv, the reader under every `periscope-store import`.
// Besides memory errors it checks that line numbers only grow and that a
// parsed file written back with CsvField parses to the same records.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "store/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  std::string_view content(reinterpret_cast<const char*>(data), size);
  auto records = store::ParseCsv(content, "fuzz.csv");
  if (!records.ok()) return 0;
  std::string again;
  size_t last_line = 0;
  bool round_trips = true;
  for (const store::CsvRecord& r : *records) {
    FUZZ_CHECK(r.line > last_line);
    FUZZ_CHECK(!r.fields.empty());
    last_line = r.line;
    // A record of one empty field is written as a blank line, which reading
    // skips; a leading BOM would be taken for the file's.
    if (r.fields.size() == 1 && r.fields[0].empty()) round_trips = false;
    for (size_t i = 0; i < r.fields.size(); ++i) {
      if (i > 0) again += ',';
      again += store::CsvField(r.fields[i]);
    }
    again += '\n';
  }
  if (again.substr(0, 3) == "\xEF\xBB\xBF") round_trips = false;
  if (!round_trips) return 0;
  auto reread = store::ParseCsv(again, "again.csv");
  FUZZ_CHECK(reread.ok());
  FUZZ_CHECK(reread->size() == records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    FUZZ_CHECK((*reread)[i].fields == (*records)[i].fields);
  }
  return 0;
}
