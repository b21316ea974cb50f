#include "reports/catalog_offers.h"

#include <set>
#include <utility>

#include "render/html.h"

namespace periscope::reports {
namespace {

// Byte counts of the catalog are at most a few PB; the cast cannot wrap.
std::string Bytes(uint64_t bytes) { return render::FormatBytes(static_cast<int64_t>(bytes)); }

std::string Count(uint64_t n) { return render::FormatInteger(static_cast<int64_t>(n)); }

CatalogOffer Offer(const CatalogModel& model, std::string kind, std::string product_number,
                   std::string name, std::string detail, int64_t price_minor_units) {
  return CatalogOffer{model.model,     std::move(kind),   std::move(product_number),
                      std::move(name), std::move(detail), price_minor_units,
                      model.currency};
}

// The successor's base product: its number, name, price and currency.
CatalogOffer SuccessorOffer(const CatalogModel& model, const CatalogModel& successor,
                            std::string detail) {
  CatalogOffer offer = Offer(model, "successor", successor.product_number, successor.name,
                             std::move(detail), successor.price_minor_units);
  offer.currency = successor.currency;
  return offer;
}

void AddStorageOffers(const Catalog& catalog, const Product& p, std::vector<CatalogOffer>& out) {
  for (const CapacityAddon& a : p.capacity_addons) {
    out.push_back(Offer(p, "capacity", a.product_number, a.name, "adds " + Bytes(a.size_bytes),
                        a.price_minor_units));
  }
  for (const CacheOption& c : p.cache_options) {
    out.push_back(Offer(p, "cache", c.product_number, c.name,
                        "adds " + Bytes(c.size_bytes) + " of cache", c.price_minor_units));
  }
  if (p.latest_firmware && !p.latest_firmware->product_number.empty()) {
    const FirmwareRelease& fw = *p.latest_firmware;
    std::string detail = "firmware " + fw.version;
    std::string date = render::FormatDate(fw.date);
    if (!date.empty()) detail += " of " + date;
    out.push_back(Offer(p, "firmware", fw.product_number, p.name + " firmware " + fw.version,
                        std::move(detail), fw.price_minor_units));
  }
  if (const Product* s = p.successor.empty() ? nullptr : catalog.Find(p.successor)) {
    out.push_back(SuccessorOffer(p, *s,
                                 "replaces the " + p.model + ": " + Bytes(s->capacity_bytes) +
                                     " as sold, rated load " + Count(s->rated_load) +
                                     " writes per interval"));
  }
}

void AddPrinterOffers(const Catalog& catalog, const PrinterProduct& p,
                      std::vector<CatalogOffer>& out) {
  if (const PrinterProduct* s = p.successor.empty() ? nullptr : catalog.FindPrinter(p.successor)) {
    out.push_back(SuccessorOffer(p, *s,
                                 "replaces the " + p.model + ": " + Count(s->pages_per_minute) +
                                     " pages per minute, recommended up to " +
                                     Count(s->recommended_monthly_pages) + " pages per month"));
  }
  for (const SupplyProduct& supply : p.supplies) {
    std::string detail = supply.page_yield > 0 ? "yield " + Count(supply.page_yield) + " pages"
                                               : "consumable of the " + p.model;
    out.push_back(Offer(p, "supply", supply.product_number, supply.name, std::move(detail),
                        supply.price_minor_units));
  }
}

void AddHostOffers(const HostProduct& h, std::vector<CatalogOffer>& out) {
  for (const HostUpgrade& u : h.storage_upgrades) {
    std::string detail =
        u.size_bytes > 0 ? "adds " + Bytes(u.size_bytes) + " of storage" : "storage upgrade";
    out.push_back(Offer(h, "storage-upgrade", u.product_number, u.name, std::move(detail),
                        u.price_minor_units));
  }
  if (h.cpu_upgrade) {
    out.push_back(Offer(h, "cpu-upgrade", h.cpu_upgrade->product_number, h.cpu_upgrade->name,
                        "more processing power for the " + h.model,
                        h.cpu_upgrade->price_minor_units));
  }
}

std::string SpeedText(uint64_t mbps) { return Count(mbps) + " Mbit/s"; }

void AddSwitchOffers(const Catalog& catalog, const SwitchProduct& sw,
                     std::vector<CatalogOffer>& out) {
  if (const SwitchProduct* s = sw.successor.empty() ? nullptr : catalog.FindSwitch(sw.successor)) {
    std::string detail = "replaces the " + sw.model + ": ports at " + SpeedText(s->port_speed_mbps);
    if (s->uplink_speed_mbps > 0) detail += ", uplinks at " + SpeedText(s->uplink_speed_mbps);
    out.push_back(SuccessorOffer(sw, *s, std::move(detail)));
  }
}

}  // namespace

std::vector<CatalogOffer> OffersForModel(const Catalog& catalog, std::string_view model) {
  std::vector<CatalogOffer> out;
  if (const Product* p = catalog.Find(model)) {
    AddStorageOffers(catalog, *p, out);
  } else if (const PrinterProduct* printer = catalog.FindPrinter(model)) {
    AddPrinterOffers(catalog, *printer, out);
  } else if (const HostProduct* host = catalog.FindHost(model)) {
    AddHostOffers(*host, out);
  } else if (const SwitchProduct* sw = catalog.FindSwitch(model)) {
    AddSwitchOffers(catalog, *sw, out);
  }
  return out;
}

std::vector<CatalogOffer> OffersForModels(const Catalog& catalog,
                                          const std::vector<std::string>& models) {
  std::vector<CatalogOffer> out;
  std::set<std::string, std::less<>> seen;
  for (const std::string& model : models) {
    for (CatalogOffer& offer : OffersForModel(catalog, model)) {
      if (!seen.insert(offer.product_number).second) continue;
      out.push_back(std::move(offer));
    }
  }
  return out;
}

}  // namespace periscope::reports
