// Plain-text tables for command-line output.
#ifndef PERISCOPE_CORE_TEXT_TABLE_H_
#define PERISCOPE_CORE_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace periscope {

// Terminal columns taken by UTF-8 text (East Asian wide characters count 2).
size_t DisplayWidth(const std::string& utf8);

// A left-aligned table: the header, a rule, then one line per row.
std::string RenderTextTable(const std::vector<std::string>& header,
                            const std::vector<std::vector<std::string>>& rows);

// JSON string literal (quotes included) of UTF-8 text.
std::string JsonString(const std::string& utf8);

}  // namespace periscope

#endif  // PERISCOPE_CORE_TEXT_TABLE_H_
