// Customers, staff and poll targets: CSV import and listing.
//
// An import file is applied whole or not at all: every row is validated inside
// one BEGIN IMMEDIATE transaction, and the first bad row rolls it back with an
// InvalidArgument naming "file:line: field 'x': why". Rows are upserted by
// their natural key (staff e-mail, customer user ID, target address+port); the
// same key twice in one file is an error naming both lines. Fields are valid
// UTF-8 without control characters, at most 255 characters (code points, not
// bytes); only a customer's postal address may contain line breaks.
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
// Header: address,port,profile,customer_user_id[,enabled][,kind]
// kind is periscope (the default), printer, host or network; without the
// column a stored target keeps its kind.
// The address is stored in canonical form (CanonicalTargetAddress), so one
// target written two ways is one key: twice in a file is an error naming both
// lines, and a stored row is matched by its canonical form.
Result<ImportCounts> ImportTargetsCsv(Db& db, std::string_view content, std::string_view name);

// The canonical text of a poll target's address: an IPv4 address (dotted
// decimal, no leading zeros) or IPv6 address as inet_ntop writes it, or a DNS
// name lower-cased without its trailing dot. InvalidArgument saying why for
// anything the poller cannot poll: host:port, a transport prefix (udp:, tcp:,
// udp6:...), brackets, spaces, empty, an all-digit last label, non-ASCII.
Result<std::string> CanonicalTargetAddress(std::string_view address);

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
