#include "reports/catalog.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/strings.h"
#include "core/xml_config.h"

namespace periscope::reports {
namespace {

constexpr uint64_t kMaxPrice = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 1000);
constexpr uint64_t kMaxRatedLoad = uint64_t{1} << 40;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxKeyBytes = 64;  // model, product number, firmware version

class Parser {
 public:
  explicit Parser(const XmlConfig& xml) : xml_(xml) {}

  Result<Catalog> Parse() {
    pugi::xml_node root = xml_.root();
    if (std::string_view(root.name()) != "catalog") {
      return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <catalog>",
                                              xml_.Where(root), root.name()));
    }
    PERISCOPE_RETURN_IF_ERROR(
        xml_.CheckKnownFields(root, {"product", "printer", "copier", "host", "switch"}));
    Catalog catalog;
    std::vector<pugi::xml_node> product_nodes;
    std::vector<pugi::xml_node> printer_nodes;
    std::vector<pugi::xml_node> switch_nodes;
    for (pugi::xml_node node : root.children()) {
      if (node.type() != pugi::node_element) continue;
      const std::string_view element = node.name();
      if (element == "product") {
        Result<Product> product = ParseProduct(node);
        if (!product.ok()) return product.status();
        catalog.products.push_back(std::move(product).value());
        product_nodes.push_back(node);
      } else if (element == "printer" || element == "copier") {
        Result<PrinterProduct> printer = ParsePrinter(node, element == "copier");
        if (!printer.ok()) return printer.status();
        catalog.printers.push_back(std::move(printer).value());
        printer_nodes.push_back(node);
      } else if (element == "host") {
        Result<HostProduct> host = ParseHost(node);
        if (!host.ok()) return host.status();
        catalog.hosts.push_back(std::move(host).value());
      } else if (element == "switch") {
        Result<SwitchProduct> sw = ParseSwitch(node);
        if (!sw.ok()) return sw.status();
        catalog.switches.push_back(std::move(sw).value());
        switch_nodes.push_back(node);
      }
    }
    for (size_t i = 0; i < catalog.printers.size(); ++i) {
      const PrinterProduct& p = catalog.printers[i];
      PERISCOPE_RETURN_IF_ERROR(CheckSuccessor(printer_nodes[i], p.model, p.successor,
                                               catalog.FindPrinter(p.successor) != nullptr,
                                               "<printer> or <copier>"));
    }
    for (size_t i = 0; i < catalog.switches.size(); ++i) {
      const SwitchProduct& p = catalog.switches[i];
      PERISCOPE_RETURN_IF_ERROR(CheckSuccessor(switch_nodes[i], p.model, p.successor,
                                               catalog.FindSwitch(p.successor) != nullptr,
                                               "<switch>"));
    }
    if (catalog.products.empty() && catalog.printers.empty() && catalog.hosts.empty() &&
        catalog.switches.empty()) {
      return InvalidArgumentError(fmt::format("{}: <catalog> has no <product>", xml_.Where(root)));
    }
    for (size_t i = 0; i < catalog.products.size(); ++i) {
      const Product& p = catalog.products[i];
      if (p.successor.empty()) continue;
      if (p.successor == p.model) {
        return xml_.FieldError(product_nodes[i], "successor", "a model cannot succeed itself");
      }
      if (catalog.Find(p.successor) == nullptr) {
        return xml_.FieldError(
            product_nodes[i], "successor",
            fmt::format("no <product> of model '{}' in the catalog", p.successor));
      }
    }
    return catalog;
  }

 private:
  Status CheckSuccessor(const pugi::xml_node& node, const std::string& model,
                        const std::string& successor, bool found, std::string_view what) {
    if (successor.empty()) return Status::Ok();
    if (successor == model) {
      return xml_.FieldError(node, "successor", "a model cannot succeed itself");
    }
    if (!found) {
      return xml_.FieldError(node, "successor",
                             fmt::format("no {} of model '{}' in the catalog", what, successor));
    }
    return Status::Ok();
  }

  // The fields every model has: model, product-number, name, price and
  // currency.
  Result<CatalogModel> ParseBase(const pugi::xml_node& node) {
    CatalogModel b;
    auto model = RequiredText(node, "model", kMaxKeyBytes);
    if (!model.ok()) return model.status();
    b.model = std::move(model).value();
    auto [it, inserted] = models_.emplace(b.model, xml_.Where(node));
    if (!inserted) {
      return xml_.FieldError(node, "model",
                             fmt::format("'{}' is already described at {}", b.model, it->second));
    }
    auto number = RequiredText(node, "product-number", kMaxKeyBytes);
    if (!number.ok()) return number.status();
    b.product_number = std::move(number).value();
    PERISCOPE_RETURN_IF_ERROR(ClaimProductNumber(node, b.product_number));
    auto name = RequiredText(node, "name", kMaxNameBytes);
    if (!name.ok()) return name.status();
    b.name = std::move(name).value();
    auto price = RequiredUint(node, "price", 0, kMaxPrice);
    if (!price.ok()) return price.status();
    b.price_minor_units = static_cast<int64_t>(*price);
    auto currency = RequiredCurrency(node);
    if (!currency.ok()) return currency.status();
    b.currency = std::move(currency).value();
    return b;
  }

  Result<std::string> RequiredCurrency(const pugi::xml_node& node) {
    auto currency = RequiredText(node, "currency", 16);
    if (!currency.ok()) return currency.status();
    if (currency->size() != 3 || !std::all_of(currency->begin(), currency->end(),
                                              [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return xml_.FieldError(node, "currency",
                             fmt::format("'{}' is not three upper-case letters (ISO 4217, e.g. "
                                         "JPY, EUR, USD)",
                                         *currency));
    }
    return std::move(currency).value();
  }

  Result<PrinterProduct> ParsePrinter(const pugi::xml_node& node, bool copier) {
    static const std::vector<std::string_view> kSingles = {
        "model",      "product-number",     "name",     "price", "currency", "pages-per-minute",
        "duty-cycle", "recommended-volume", "successor"};
    std::vector<std::string_view> allowed = kSingles;
    allowed.push_back("supply");
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, allowed));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, kSingles));
    auto base = ParseBase(node);
    if (!base.ok()) return base.status();
    PrinterProduct p;
    p.copier = copier;
    static_cast<CatalogModel&>(p) = std::move(base).value();
    auto ppm = RequiredUint(node, "pages-per-minute", 1, 100000);
    if (!ppm.ok()) return ppm.status();
    p.pages_per_minute = *ppm;
    auto duty = RequiredUint(node, "duty-cycle", 1, kMaxRatedLoad);
    if (!duty.ok()) return duty.status();
    p.duty_cycle_pages = *duty;
    auto recommended = RequiredUint(node, "recommended-volume", 1, kMaxRatedLoad);
    if (!recommended.ok()) return recommended.status();
    p.recommended_monthly_pages = *recommended;
    if (p.recommended_monthly_pages > p.duty_cycle_pages) {
      return xml_.FieldError(node, "recommended-volume", "more than duty-cycle");
    }
    auto successor = xml_.Text(node, "successor", kMaxKeyBytes);
    if (!successor.ok()) return successor.status();
    p.successor = successor->value_or("");
    for (pugi::xml_node supply_node : node.children("supply")) {
      static const std::vector<std::string_view> kFields = {"product-number", "name", "match",
                                                            "page-yield", "price"};
      PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(supply_node, kFields));
      PERISCOPE_RETURN_IF_ERROR(NoDuplicates(supply_node, kFields));
      SupplyProduct s;
      auto number = RequiredText(supply_node, "product-number", kMaxKeyBytes);
      if (!number.ok()) return number.status();
      s.product_number = std::move(number).value();
      PERISCOPE_RETURN_IF_ERROR(ClaimProductNumber(supply_node, s.product_number));
      auto name = RequiredText(supply_node, "name", kMaxNameBytes);
      if (!name.ok()) return name.status();
      s.name = std::move(name).value();
      auto match = RequiredText(supply_node, "match", kMaxKeyBytes);
      if (!match.ok()) return match.status();
      s.match = AsciiLower(*match);
      auto yield = xml_.Uint(supply_node, "page-yield", 1, kMaxRatedLoad);
      if (!yield.ok()) return yield.status();
      s.page_yield = yield->value_or(0);
      auto price = RequiredUint(supply_node, "price", 0, kMaxPrice);
      if (!price.ok()) return price.status();
      s.price_minor_units = static_cast<int64_t>(*price);
      p.supplies.push_back(std::move(s));
    }
    return p;
  }

  Result<HostUpgrade> ParseUpgrade(const pugi::xml_node& node, bool sized) {
    std::vector<std::string_view> fields = {"product-number", "name", "price"};
    if (sized) fields.push_back("size");
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, fields));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, fields));
    HostUpgrade u;
    auto number = RequiredText(node, "product-number", kMaxKeyBytes);
    if (!number.ok()) return number.status();
    u.product_number = std::move(number).value();
    PERISCOPE_RETURN_IF_ERROR(ClaimProductNumber(node, u.product_number));
    auto name = RequiredText(node, "name", kMaxNameBytes);
    if (!name.ok()) return name.status();
    u.name = std::move(name).value();
    if (sized) {
      auto size = RequiredSize(node, "size");
      if (!size.ok()) return size.status();
      u.size_bytes = *size;
    }
    auto price = RequiredUint(node, "price", 0, kMaxPrice);
    if (!price.ok()) return price.status();
    u.price_minor_units = static_cast<int64_t>(*price);
    return u;
  }

  Result<HostProduct> ParseHost(const pugi::xml_node& node) {
    static const std::vector<std::string_view> kSingles = {
        "model", "product-number", "name", "price", "currency", "cpu-upgrade"};
    std::vector<std::string_view> allowed = kSingles;
    allowed.push_back("storage-upgrade");
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, allowed));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, kSingles));
    auto base = ParseBase(node);
    if (!base.ok()) return base.status();
    HostProduct h;
    static_cast<CatalogModel&>(h) = std::move(base).value();
    for (pugi::xml_node upgrade_node : node.children("storage-upgrade")) {
      auto upgrade = ParseUpgrade(upgrade_node, true);
      if (!upgrade.ok()) return upgrade.status();
      h.storage_upgrades.push_back(std::move(upgrade).value());
    }
    if (pugi::xml_node cpu = node.child("cpu-upgrade")) {
      auto upgrade = ParseUpgrade(cpu, false);
      if (!upgrade.ok()) return upgrade.status();
      h.cpu_upgrade = std::move(upgrade).value();
    }
    return h;
  }

  Result<SwitchProduct> ParseSwitch(const pugi::xml_node& node) {
    static const std::vector<std::string_view> kFields = {
        "model",           "product-number",    "name",     "price", "currency",
        "port-speed-mbps", "uplink-speed-mbps", "successor"};
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, kFields));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, kFields));
    auto base = ParseBase(node);
    if (!base.ok()) return base.status();
    SwitchProduct w;
    static_cast<CatalogModel&>(w) = std::move(base).value();
    auto port = RequiredUint(node, "port-speed-mbps", 1, 10000000);
    if (!port.ok()) return port.status();
    w.port_speed_mbps = *port;
    auto uplink = xml_.Uint(node, "uplink-speed-mbps", 1, 10000000);
    if (!uplink.ok()) return uplink.status();
    w.uplink_speed_mbps = uplink->value_or(0);
    auto successor = xml_.Text(node, "successor", kMaxKeyBytes);
    if (!successor.ok()) return successor.status();
    w.successor = successor->value_or("");
    return w;
  }

  Status NoDuplicates(const pugi::xml_node& node, const std::vector<std::string_view>& singles) {
    for (std::string_view field : singles) {
      std::string f(field);
      int count = 0;
      for (pugi::xml_node child : node.children(f.c_str())) {
        if (++count == 2) {
          return InvalidArgumentError(fmt::format("{}: <{}> field '{}': given more than once",
                                                  xml_.Where(child), node.name(), field));
        }
      }
      if (count == 1 && node.attribute(f.c_str())) {
        return xml_.FieldError(node, field, "given both as an attribute and as an element");
      }
    }
    return Status::Ok();
  }

  Result<std::string> RequiredText(const pugi::xml_node& node, std::string_view field,
                                   size_t max_bytes) {
    auto text = xml_.Text(node, field, max_bytes);
    if (!text.ok()) return text.status();
    if (!text->has_value()) return xml_.FieldError(node, field, "missing");
    if ((*text)->empty()) return xml_.FieldError(node, field, "empty");
    return std::move(**text);
  }

  Result<uint64_t> RequiredUint(const pugi::xml_node& node, std::string_view field, uint64_t min,
                                uint64_t max) {
    auto value = xml_.Uint(node, field, min, max);
    if (!value.ok()) return value.status();
    if (!value->has_value()) return xml_.FieldError(node, field, "missing");
    return **value;
  }

  Result<uint64_t> RequiredSize(const pugi::xml_node& node, std::string_view field) {
    auto value = xml_.Bytes(node, field);
    if (!value.ok()) return value.status();
    if (!value->has_value()) return xml_.FieldError(node, field, "missing");
    if (**value == 0) return xml_.FieldError(node, field, "must be greater than 0");
    if (**value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return xml_.FieldError(node, field, "too large");
    }
    return **value;
  }

  // Records `product_number` as taken; an error naming the first use when it is not new.
  Status ClaimProductNumber(const pugi::xml_node& node, const std::string& product_number) {
    auto [it, inserted] = product_numbers_.emplace(product_number, xml_.Where(node));
    if (!inserted) {
      return xml_.FieldError(node, "product-number",
                             fmt::format("'{}' is already used at {}", product_number, it->second));
    }
    return Status::Ok();
  }

  Result<Product> ParseProduct(const pugi::xml_node& node) {
    static const std::vector<std::string_view> kSingles = {
        "model",    "product-number", "name",      "price",     "currency", "rated-load",
        "capacity", "cache",          "max-cache", "successor", "firmware"};
    std::vector<std::string_view> allowed = kSingles;
    allowed.push_back("capacity-addon");
    allowed.push_back("cache-option");
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, allowed));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, kSingles));
    Product p;
    auto base = ParseBase(node);
    if (!base.ok()) return base.status();
    static_cast<CatalogModel&>(p) = std::move(base).value();
    auto rated = RequiredUint(node, "rated-load", 1, kMaxRatedLoad);
    if (!rated.ok()) return rated.status();
    p.rated_load = *rated;
    auto capacity = RequiredSize(node, "capacity");
    if (!capacity.ok()) return capacity.status();
    p.capacity_bytes = *capacity;
    auto cache = xml_.Bytes(node, "cache");
    if (!cache.ok()) return cache.status();
    p.cache_bytes = cache->value_or(0);
    auto max_cache = RequiredSize(node, "max-cache");
    if (!max_cache.ok()) return max_cache.status();
    p.max_cache_bytes = *max_cache;
    if (p.cache_bytes > p.max_cache_bytes) {
      return xml_.FieldError(node, "cache", "more than max-cache");
    }
    auto successor = xml_.Text(node, "successor", kMaxKeyBytes);
    if (!successor.ok()) return successor.status();
    p.successor = successor->value_or("");

    if (pugi::xml_node fw = node.child("firmware")) {
      auto release = ParseFirmware(fw);
      if (!release.ok()) return release.status();
      p.latest_firmware = std::move(release).value();
    }
    for (pugi::xml_node addon_node : node.children("capacity-addon")) {
      auto addon = ParseOption(addon_node);
      if (!addon.ok()) return addon.status();
      p.capacity_addons.push_back(CapacityAddon{addon->product_number, addon->name,
                                                addon->size_bytes, addon->price_minor_units});
    }
    for (pugi::xml_node option_node : node.children("cache-option")) {
      auto option = ParseOption(option_node);
      if (!option.ok()) return option.status();
      p.cache_options.push_back(std::move(option).value());
    }
    return p;
  }

  // <capacity-addon> and <cache-option> share their fields.
  Result<CacheOption> ParseOption(const pugi::xml_node& node) {
    static const std::vector<std::string_view> kFields = {"product-number", "name", "size",
                                                          "price"};
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, kFields));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, kFields));
    CacheOption o;
    auto number = RequiredText(node, "product-number", kMaxKeyBytes);
    if (!number.ok()) return number.status();
    o.product_number = std::move(number).value();
    PERISCOPE_RETURN_IF_ERROR(ClaimProductNumber(node, o.product_number));
    auto name = RequiredText(node, "name", kMaxNameBytes);
    if (!name.ok()) return name.status();
    o.name = std::move(name).value();
    auto size = RequiredSize(node, "size");
    if (!size.ok()) return size.status();
    o.size_bytes = *size;
    auto price = RequiredUint(node, "price", 0, kMaxPrice);
    if (!price.ok()) return price.status();
    o.price_minor_units = static_cast<int64_t>(*price);
    return o;
  }

  Result<FirmwareRelease> ParseFirmware(const pugi::xml_node& node) {
    static const std::vector<std::string_view> kFields = {"version", "date", "product-number",
                                                          "price"};
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(node, kFields));
    PERISCOPE_RETURN_IF_ERROR(NoDuplicates(node, kFields));
    FirmwareRelease r;
    auto version = RequiredText(node, "version", kMaxKeyBytes);
    if (!version.ok()) return version.status();
    r.version = std::move(version).value();
    auto date = RequiredText(node, "date", 16);
    if (!date.ok()) return date.status();
    std::optional<uint32_t> ymd = ParseIsoDate(*date);
    if (!ymd) {
      return xml_.FieldError(node, "date", fmt::format("'{}' is not a date YYYY-MM-DD", *date));
    }
    r.date = *ymd;
    auto number = RequiredText(node, "product-number", kMaxKeyBytes);
    if (!number.ok()) return number.status();
    r.product_number = std::move(number).value();
    PERISCOPE_RETURN_IF_ERROR(ClaimProductNumber(node, r.product_number));
    auto price = xml_.Uint(node, "price", 0, kMaxPrice);
    if (!price.ok()) return price.status();
    r.price_minor_units = static_cast<int64_t>(price->value_or(0));
    return r;
  }

  const XmlConfig& xml_;
  std::map<std::string, std::string> models_;           // model -> where
  std::map<std::string, std::string> product_numbers_;  // product number -> where
};

std::string_view StripV(std::string_view v) {
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  return v;
}

std::vector<std::string_view> SplitVersion(std::string_view v) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == '.' || v[i] == '-' || v[i] == '_') {
      parts.push_back(v.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int CompareComponent(std::string_view a, std::string_view b) {
  if (AllDigits(a) && AllDigits(b)) {
    while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
    while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  }
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

const Product* Catalog::Find(std::string_view model) const {
  for (const Product& p : products) {
    if (p.model == model) return &p;
  }
  return nullptr;
}

const PrinterProduct* Catalog::FindPrinter(std::string_view model) const {
  for (const PrinterProduct& p : printers) {
    if (p.model == model) return &p;
  }
  return nullptr;
}

const HostProduct* Catalog::FindHost(std::string_view model) const {
  for (const HostProduct& p : hosts) {
    if (p.model == model) return &p;
  }
  return nullptr;
}

const SwitchProduct* Catalog::FindSwitch(std::string_view model) const {
  for (const SwitchProduct& p : switches) {
    if (p.model == model) return &p;
  }
  return nullptr;
}

Result<Catalog> ParseCatalog(std::string content, std::string name) {
  auto xml = XmlConfig::LoadString(std::move(content), std::move(name));
  if (!xml.ok()) return xml.status();
  return Parser(**xml).Parse();
}

Result<Catalog> LoadCatalog(const std::string& path) {
  auto xml = XmlConfig::LoadFile(path);
  if (!xml.ok()) return xml.status();
  return Parser(**xml).Parse();
}

int CompareFirmwareVersions(std::string_view a, std::string_view b) {
  std::vector<std::string_view> pa = SplitVersion(StripV(a));
  std::vector<std::string_view> pb = SplitVersion(StripV(b));
  size_t n = std::max(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view ca = i < pa.size() ? pa[i] : std::string_view("0");
    std::string_view cb = i < pb.size() ? pb[i] : std::string_view("0");
    if (int c = CompareComponent(ca, cb); c != 0) return c;
  }
  return 0;
}

}  // namespace periscope::reports
