// The vendor's product catalog (etc/catalog.xml): what can be offered for a
// device model, at what price (seed 001 paragraphs 0047-0048). Loaded once per
// run; a Catalog is a plain value, immutable after loading and safe to share
// between threads.
//
// Every string in it is untrusted text for the renderers (escaped there); the
// loader bounds each one and requires clean UTF-8.
#ifndef PERISCOPE_REPORTS_CATALOG_H_
#define PERISCOPE_REPORTS_CATALOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace periscope::reports {

// A capacity add-on (a disk enclosure or drive pack) for one model.
struct CapacityAddon {
  std::string product_number;
  std::string name;
  uint64_t size_bytes = 0;  // capacity one unit adds
  int64_t price_minor_units = 0;
};

// A cache expansion for one model: one unit adds `size_bytes` of cache.
struct CacheOption {
  std::string product_number;
  std::string name;
  uint64_t size_bytes = 0;
  int64_t price_minor_units = 0;
};

// The newest firmware released for a model. The update itself is sold (or
// given, price 0) under `product_number`.
struct FirmwareRelease {
  std::string version;
  uint32_t date = 0;  // YYYYMMDD of the release
  std::string product_number;
  int64_t price_minor_units = 0;
};

// What every model of the catalog has, whatever its kind.
struct CatalogModel {
  // As the device reports it: PERISCOPE-MIB deviceModel, or a peripheral's
  // PeripheralSpec.model.
  std::string model;
  std::string product_number;  // the base product's order number
  std::string name;
  int64_t price_minor_units = 0;  // the base product's price
  std::string currency;           // ISO 4217-like: three upper-case letters
};

// One storage model the vendor sells (<product>).
struct Product : CatalogModel {
  uint64_t rated_load = 0;       // writes per sampling interval the model sustains
  uint64_t capacity_bytes = 0;   // capacity as sold
  uint64_t cache_bytes = 0;      // cache as sold
  uint64_t max_cache_bytes = 0;  // the most cache the model can hold
  std::optional<FirmwareRelease> latest_firmware;
  std::string successor;  // model of the faster, bigger replacement; empty: none
  std::vector<CapacityAddon> capacity_addons;
  std::vector<CacheOption> cache_options;
};

// A consumable of a printer or copier model (toner, drum, fuser ...).
struct SupplyProduct {
  std::string product_number;
  std::string name;
  // Lower-case text matched (as a substring, case-insensitively) against the
  // device's prtMarkerSuppliesDescription, then its supply type
  // (PeripheralSpec details "supplies": description, type).
  std::string match;
  uint64_t page_yield = 0;  // pages one unit prints (at 5% coverage), 0: unknown
  int64_t price_minor_units = 0;
};

// A printer or copier model (<printer> or <copier>).
struct PrinterProduct : CatalogModel {
  bool copier = false;
  uint64_t pages_per_minute = 0;
  uint64_t duty_cycle_pages = 0;           // rated maximum pages per month
  uint64_t recommended_monthly_pages = 0;  // recommended monthly page volume
  std::string successor;  // a faster <printer>/<copier> of the catalog; empty: none
  std::vector<SupplyProduct> supplies;
};

// An upgrade product of a PC or server model.
struct HostUpgrade {
  std::string product_number;
  std::string name;
  uint64_t size_bytes = 0;  // storage upgrades: capacity one unit adds; 0 otherwise
  int64_t price_minor_units = 0;
};

// A PC or server model (<host>).
struct HostProduct : CatalogModel {
  std::vector<HostUpgrade> storage_upgrades;
  std::optional<HostUpgrade> cpu_upgrade;  // a faster CPU or a replacement PC
};

// A switch or router model (<switch>).
struct SwitchProduct : CatalogModel {
  uint64_t port_speed_mbps = 0;    // the access ports' speed
  uint64_t uplink_speed_mbps = 0;  // 0: as the ports
  std::string successor;           // a faster <switch> of the catalog; empty: none
};

struct Catalog {
  std::vector<Product> products;
  std::vector<PrinterProduct> printers;  // printers and copiers
  std::vector<HostProduct> hosts;
  std::vector<SwitchProduct> switches;
  // The product of `model`, or nullptr.
  const Product* Find(std::string_view model) const;
  const PrinterProduct* FindPrinter(std::string_view model) const;
  const HostProduct* FindHost(std::string_view model) const;
  const SwitchProduct* FindSwitch(std::string_view model) const;
};

// Parses catalog XML `content`; `name` stands for the file in messages. Errors
// are InvalidArgument "name:line:column: <element> field 'x': why" (unknown
// elements and attributes are refused, not ignored). Validates: unique models
// and product numbers (across products, add-ons, cache options and firmware
// updates), sizes and rated loads > 0, prices >= 0, currency of three
// upper-case letters, an existing successor other than the model itself, and
// valid firmware dates (YYYY-MM-DD). Models are unique across <product>,
// <printer>, <copier>, <host> and <switch>; a printer's successor is a
// <printer> or <copier>, a switch's a <switch>; a printer's recommended monthly
// volume is at most its duty cycle. A catalog with none of these elements is
// refused ("<catalog> has no <product>").
Result<Catalog> ParseCatalog(std::string content, std::string name);

// Reads and parses the catalog file at `path` (at most 1 MiB).
Result<Catalog> LoadCatalog(const std::string& path);

// Compares firmware versions: < 0 when a is older than b, 0 when equal, > 0
// when newer. A leading 'v' or 'V' is ignored; the rest is split on '.', '-'
// and '_' into components compared left to right. Two all-digit components
// compare numerically (leading zeros ignored, so "1.10" > "1.9"); the
// documented fallback for anything else ("2.1a", "rc1") is a byte-wise text
// comparison of the two components. A missing component counts as "0"
// ("1.2" == "1.2.0").
int CompareFirmwareVersions(std::string_view a, std::string_view b);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_CATALOG_H_
