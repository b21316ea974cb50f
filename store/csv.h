// RFC 4180 CSV parsing with the line number of every record.
#ifndef PERISCOPE_STORE_CSV_H_
#define PERISCOPE_STORE_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace periscope::store {

struct CsvRecord {
  size_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Parses `content`: comma-separated, "quoted" fields with "" escapes and line
// breaks inside quotes, CRLF or LF line ends, a UTF-8 BOM skipped, blank lines
// skipped. An unterminated quote is InvalidArgument naming `name:line`.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view content, std::string_view name);

// Quotes a field for CSV output when needed.
std::string CsvField(std::string_view value);

// Neutralises a cell for CSV that will be opened in a spreadsheet (OWASP CSV
// injection): a value starting with '=', '+', '-', '@', TAB or CR gets a
// leading single quote, so device-supplied text such as a product name
// "=HYPERLINK(...)" is shown, not run. Exception: a plain decimal number
// ("-5", "-0.25"), which a spreadsheet reads as that number anyway, is kept
// as is, so negative figures stay numbers. Apply before CsvField.
std::string NeutraliseCsvFormula(std::string_view value);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_CSV_H_
