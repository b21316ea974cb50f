// Customers, staff and poll targets: CSV import and listing.
//
// An import file is applied whole or not at all: every row is validated inside
// one BEGIN IMMEDIATE transaction, and the first bad row rolls it back with an
// InvalidArgument naming "file:line: field 'x': why". Rows are upserted by
// their natural key (staff e-mail, customer user ID, target address+port).
#ifndef PERISCOPE_STORE_REGISTRY_H_
#define PERISCOPE_STORE_REGISTRY_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

struct ImportCounts {
  size_t inserted = 0;
  size_t updated = 0;
};

// Header: name,email,role[,phone]   role is sales or support.
Result<ImportCounts> ImportStaffCsv(Db& db, std::string_view content, std::string_view name);
// Header: user_id,name,contact_person,email,phone,address,sales_email
// sales_email names an imported staff member with role sales (may be empty).
Result<ImportCounts> ImportCustomersCsv(Db& db, std::string_view content, std::string_view name);
// Header: address,port,profile,customer_user_id[,enabled]
Result<ImportCounts> ImportTargetsCsv(Db& db, std::string_view content, std::string_view name);

// A table of text for listing: column names and rows.
struct TextTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// Runs a read-only query and returns all rows as text (NULL as "").
Result<TextTable> Query(Db& db, std::string_view sql, const std::vector<std::string>& params = {});

// Tables `export` may dump, in dependency order.
const std::vector<std::string>& ExportableTables();

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_REGISTRY_H_
