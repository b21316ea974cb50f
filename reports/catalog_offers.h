// What the catalog offers for a device model: the products a customer with
// that model could buy (add-ons, cache, firmware, supplies, upgrades, the
// successor), with prices. For the customer portal's product page (seed 002:
// product information) and anything else that lists them.
#ifndef PERISCOPE_REPORTS_CATALOG_OFFERS_H_
#define PERISCOPE_REPORTS_CATALOG_OFFERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reports/catalog.h"

namespace periscope::reports {

struct CatalogOffer {
  std::string for_model;  // the device model it fits
  // "capacity", "cache", "firmware", "successor", "supply", "storage-upgrade",
  // "cpu-upgrade"
  std::string kind;
  std::string product_number;
  std::string name;
  std::string detail;  // one line in English: "adds 4.0 TB", "firmware 3.2 of 2026-05-01", "yield
                       // 20,000 pages"
  int64_t price_minor_units = 0;
  std::string currency;  // the model's currency
};

// The offers for `model` in catalog order (the kinds above, in that order);
// empty when the catalog does not know the model. The successor is listed
// with its base product's number, name and price.
std::vector<CatalogOffer> OffersForModel(const Catalog& catalog, std::string_view model);

// The offers for several models, each product number once (the first model
// that lists it), in the order of `models`.
std::vector<CatalogOffer> OffersForModels(const Catalog& catalog,
                                          const std::vector<std::string>& models);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_CATALOG_OFFERS_H_
