#include "subagent/config.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/strings.h"
#include "core/xml_config.h"

namespace periscope::subagent {
namespace {

struct TypeName {
  std::string_view name;
  mib::DeviceType type;
};
constexpr TypeName kTypeNames[] = {
    {"other", mib::DeviceType::kOther},
    {"diskArray", mib::DeviceType::kDiskArray},
    {"tapeLibrary", mib::DeviceType::kTapeLibrary},
    {"opticalLibrary", mib::DeviceType::kOpticalLibrary},
    {"disk", mib::DeviceType::kDisk},
    {"printer", mib::DeviceType::kPrinter},
    {"copier", mib::DeviceType::kCopier},
    {"personalComputer", mib::DeviceType::kPersonalComputer},
    {"network", mib::DeviceType::kNetwork},
};

bool IsValidItemName(std::string_view name) {
  if (name.empty() || name.size() > mib::kMaxItemNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

// Helper that keeps the first error and the config for positions.
class Loader {
 public:
  explicit Loader(const XmlConfig& xml) : xml_(xml) {}

  Status Load(SubagentConfig* out);

 private:
  template <typename T>
  Status Take(Result<std::optional<T>> r, T* dest) {
    if (!r.ok()) return r.status();
    if (r->has_value()) *dest = **r;
    return Status::Ok();
  }
  Status Uint32(const pugi::xml_node& n, std::string_view field, uint32_t min, uint32_t max,
                uint32_t* dest) {
    auto r = xml_.Uint(n, field, min, max);
    if (!r.ok()) return r.status();
    if (r->has_value()) *dest = static_cast<uint32_t>(**r);
    return Status::Ok();
  }
  Status LoadDevice(const pugi::xml_node& n, uint32_t position, DeviceConfig* d);
  Status LoadItem(const pugi::xml_node& n, ItemConfig* item);

  const XmlConfig& xml_;
};

Status Loader::Load(SubagentConfig* out) {
  pugi::xml_node root = xml_.root();
  if (std::string_view(root.name()) != "periscope-subagent") {
    return InvalidArgumentError(fmt::format(
        "{}: root element is <{}>, expected <periscope-subagent>", xml_.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(
      xml_.CheckKnownFields(root, {"agentx", "sampling", "capacity-notification", "device"}));
  for (std::string_view single : {"agentx", "sampling", "capacity-notification"}) {
    std::string name(single);
    auto nodes = root.children(name.c_str());
    if (std::distance(nodes.begin(), nodes.end()) > 1) {
      auto second = ++nodes.begin();
      return InvalidArgumentError(
          fmt::format("{}: <{}> may appear only once", xml_.Where(*second), single));
    }
  }
  if (pugi::xml_node n = root.child("agentx")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml_.CheckKnownFields(n, {"socket", "ping-interval-s", "timeout-s", "retries"}));
    PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, "socket", 1024), &out->agentx_socket));
    if (out->agentx_socket.empty()) return xml_.FieldError(n, "socket", "must not be empty");
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "ping-interval-s", 1, 3600, &out->agentx_ping_interval_s));
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "timeout-s", 1, 60, &out->agentx_timeout_s));
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "retries", 0, 10, &out->agentx_retries));
  }
  if (pugi::xml_node n = root.child("sampling")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml_.CheckKnownFields(n, {"interval-s", "state-file", "retention-days"}));
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "interval-s", 1, 86400, &out->sampling_interval_s));
    PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, "state-file", 1024), &out->state_file));
    if (out->state_file.empty() || out->state_file.front() != '/') {
      return xml_.FieldError(n, "state-file", "must be an absolute path");
    }
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "retention-days", 1, 3660, &out->daily_retention_days));
  }
  if (pugi::xml_node n = root.child("capacity-notification")) {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(n, {"threshold-pct", "hysteresis-pct"}));
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "threshold-pct", 0, 100, &out->capacity_threshold_pct));
    PERISCOPE_RETURN_IF_ERROR(Uint32(n, "hysteresis-pct", 0, 100, &out->capacity_hysteresis_pct));
    bool hysteresis_given = n.attribute("hysteresis-pct") || n.child("hysteresis-pct");
    if (!hysteresis_given && out->capacity_hysteresis_pct > out->capacity_threshold_pct) {
      out->capacity_hysteresis_pct = out->capacity_threshold_pct;  // the default, shrunk to fit
    }
    if (out->capacity_hysteresis_pct > out->capacity_threshold_pct) {
      return xml_.FieldError(n, "hysteresis-pct", "must not exceed threshold-pct");
    }
  }
  std::set<uint32_t> indexes;
  uint32_t position = 0;
  for (pugi::xml_node n : root.children("device")) {
    ++position;
    DeviceConfig d;
    PERISCOPE_RETURN_IF_ERROR(LoadDevice(n, position, &d));
    if (!indexes.insert(d.index).second) {
      return xml_.FieldError(
          n, "index",
          fmt::format("device index {} is used twice{}", d.index,
                      n.attribute("index") || n.child("index")
                          ? ""
                          : " (a <device> without index takes its position as index)"));
    }
    out->devices.push_back(std::move(d));
  }
  if (out->devices.empty()) {
    return InvalidArgumentError(fmt::format(
        "{}: <periscope-subagent> has no <device>: nothing to serve", xml_.Where(root)));
  }
  std::sort(out->devices.begin(), out->devices.end(),
            [](const DeviceConfig& a, const DeviceConfig& b) { return a.index < b.index; });
  return Status::Ok();
}

Status Loader::LoadDevice(const pugi::xml_node& n, uint32_t position, DeviceConfig* d) {
  d->where = xml_.Where(n);
  PERISCOPE_RETURN_IF_ERROR(
      xml_.CheckKnownFields(n, {"index", "type", "product-name", "model", "product-number",
                                "serial-number", "configuration", "firmware", "capacity", "cache",
                                "sale-date", "price", "user-id", "mount", "block-device", "item"}));
  for (const char* single :
       {"index", "type", "product-name", "model", "product-number", "serial-number",
        "configuration", "firmware", "capacity", "cache", "sale-date", "price", "user-id"}) {
    auto children = n.children(single);
    auto count = std::distance(children.begin(), children.end());
    if (count + (n.attribute(single) ? 1 : 0) > 1) {
      auto second = count > 1 ? *(++children.begin()) : *children.begin();
      return InvalidArgumentError(
          fmt::format("{}: <device> field '{}' may appear only once", xml_.Where(second), single));
    }
  }
  d->index = position;
  PERISCOPE_RETURN_IF_ERROR(Uint32(n, "index", 1, 0xffffffffU, &d->index));
  std::string type = "other";
  PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, "type", 32), &type));
  auto it = std::find_if(std::begin(kTypeNames), std::end(kTypeNames),
                         [&](const TypeName& t) { return t.name == type; });
  if (it == std::end(kTypeNames)) {
    return xml_.FieldError(n, "type",
                           fmt::format("'{}' is not one of other, diskArray, tapeLibrary, "
                                       "opticalLibrary, disk, printer, copier, personalComputer, "
                                       "network",
                                       type));
  }
  d->type = it->type;
  struct TextField {
    std::string_view name;
    std::string* dest;
  };
  const TextField text_fields[] = {
      {"product-name", &d->product_name},
      {"model", &d->model},
      {"product-number", &d->product_number},
      {"serial-number", &d->serial_number},
      {"configuration", &d->configuration},
      {"firmware", &d->firmware},
      {"user-id", &d->user_id},
  };
  for (const TextField& f : text_fields) {
    PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, f.name, mib::kMaxAdminStringBytes), f.dest));
  }
  auto capacity = xml_.Bytes(n, "capacity");
  if (!capacity.ok()) return capacity.status();
  d->capacity_bytes = *capacity;
  PERISCOPE_RETURN_IF_ERROR(Take(xml_.Bytes(n, "cache"), &d->cache_bytes));
  std::string sale_date;
  PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, "sale-date", 16), &sale_date));
  if (!sale_date.empty()) {
    d->sale_date = ParseIsoDate(sale_date);
    if (!d->sale_date) {
      return xml_.FieldError(n, "sale-date",
                             fmt::format("'{}' is not a YYYY-MM-DD date", sale_date));
    }
  }
  if (pugi::xml_node price = n.child("price")) {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(price, {"currency"}));
    std::string text(TrimWhitespace(price.child_value()));
    auto value = ParseUint64(text);
    if (!value) {
      return xml_.FieldError(n, "price",
                             fmt::format("'{}' is not an amount in minor currency units", text));
    }
    d->price_minor_units = *value;
    PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(price, "currency", 3), &d->currency));
    if (!d->currency.empty() &&
        (d->currency.size() != 3 || !std::all_of(d->currency.begin(), d->currency.end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; }))) {
      return xml_.FieldError(price, "currency",
                             fmt::format("'{}' is not an ISO 4217 code such as JPY", d->currency));
    }
  }
  for (pugi::xml_node m : n.children("mount")) {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(m, {}));
    std::string path(TrimWhitespace(m.child_value()));
    if (path.empty() || path.front() != '/' || path.size() > 1024 || !IsCleanUtf8Text(path)) {
      return InvalidArgumentError(fmt::format(
          "{}: <mount> must hold an absolute mount point path, got '{}'", xml_.Where(m), path));
    }
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    d->mount_points.push_back(path);
  }
  for (pugi::xml_node b : n.children("block-device")) {
    PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(b, {}));
    std::string name(TrimWhitespace(b.child_value()));
    bool ok = !name.empty() && name.size() <= 255 && IsCleanUtf8Text(name) &&
              (name.front() == '/' || name.find('/') == std::string::npos);
    if (!ok) {
      return InvalidArgumentError(fmt::format(
          "{}: <block-device> must be a kernel name (sda, dm-0) or a /dev path, got '{}'",
          xml_.Where(b), name));
    }
    d->block_devices.push_back(name);
  }
  std::set<std::string> item_names;
  for (pugi::xml_node i : n.children("item")) {
    ItemConfig item;
    PERISCOPE_RETURN_IF_ERROR(LoadItem(i, &item));
    if (!item_names.insert(item.name).second) {
      return xml_.FieldError(i, "name", fmt::format("item '{}' is defined twice", item.name));
    }
    d->items.push_back(std::move(item));
  }
  std::sort(d->items.begin(), d->items.end(),
            [](const ItemConfig& a, const ItemConfig& b) { return a.name < b.name; });
  return Status::Ok();
}

Status Loader::LoadItem(const pugi::xml_node& n, ItemConfig* item) {
  PERISCOPE_RETURN_IF_ERROR(xml_.CheckKnownFields(n, {"name", "unit", "value", "file"}));
  PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, "name", 64), &item->name));
  if (!IsValidItemName(item->name)) {
    return xml_.FieldError(n, "name",
                           fmt::format("'{}' must be 1..64 of a-z 0-9 . - _", item->name));
  }
  const auto& builtins = BuiltinItemNames();
  if (std::find(builtins.begin(), builtins.end(), item->name) != builtins.end()) {
    return xml_.FieldError(n, "name", fmt::format("'{}' is a built-in item name", item->name));
  }
  PERISCOPE_RETURN_IF_ERROR(Take(xml_.Text(n, "unit", mib::kMaxItemUnitBytes), &item->unit));
  auto value = xml_.Text(n, "value", mib::kMaxAdminStringBytes);
  if (!value.ok()) return value.status();
  auto file = xml_.Text(n, "file", 1024);
  if (!file.ok()) return file.status();
  if (value->has_value() == file->has_value()) {
    return xml_.FieldError(n, "value", "an <item> needs exactly one of 'value' or 'file'");
  }
  if (value->has_value()) {
    item->source = mib::ItemSource::kStatic;
    item->value = **value;
  } else {
    item->source = mib::ItemSource::kFile;
    item->file_path = **file;
    if (item->file_path.empty() || item->file_path.front() != '/') {
      return xml_.FieldError(n, "file", "must be an absolute path");
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& BuiltinItemNames() {
  static const std::vector<std::string> kNames = {
      "capacity-bytes", "firmware",   "load-avg-today", "load-peak-today",
      "status",         "used-bytes", "used-percent",
  };
  return kNames;
}

Result<SubagentConfig> ParseSubagentConfig(std::string content, const std::string& name) {
  auto xml = XmlConfig::LoadString(std::move(content), name);
  if (!xml.ok()) return xml.status();
  SubagentConfig config;
  Loader loader(**xml);
  PERISCOPE_RETURN_IF_ERROR(loader.Load(&config));
  return config;
}

Result<SubagentConfig> LoadSubagentConfig(const std::string& path) {
  auto xml = XmlConfig::LoadFile(path);
  if (!xml.ok()) return xml.status();
  SubagentConfig config;
  Loader loader(**xml);
  PERISCOPE_RETURN_IF_ERROR(loader.Load(&config));
  return config;
}

std::string DescribeConfig(const SubagentConfig& c) {
  std::string out = fmt::format(
      "agentx socket {} (ping every {} s, timeout {} s x {} retries)\n"
      "sampling every {} s, state file {}, {} days of daily history\n"
      "capacity notification at {}% (re-armed below {}%)\n",
      c.agentx_socket, c.agentx_ping_interval_s, c.agentx_timeout_s, c.agentx_retries,
      c.sampling_interval_s, c.state_file, c.daily_retention_days, c.capacity_threshold_pct,
      c.capacity_threshold_pct - c.capacity_hysteresis_pct);
  for (const DeviceConfig& d : c.devices) {
    out += fmt::format("device {} ({}): {} {} serial {} user {}\n", d.index,
                       mib::DeviceTypeLabel(d.type), d.product_name, d.model, d.serial_number,
                       d.user_id);
    std::string mounts, blocks;
    for (const auto& m : d.mount_points) mounts += " " + m;
    for (const auto& b : d.block_devices) blocks += " " + b;
    out += fmt::format("  mounts:{}\n  block devices:{}\n", mounts.empty() ? " (none)" : mounts,
                       blocks.empty() ? " (from mounts)" : blocks);
    for (const ItemConfig& i : d.items) {
      out += fmt::format("  item {}: {}\n", i.name,
                         i.source == mib::ItemSource::kFile ? "file " + i.file_path : i.value);
    }
  }
  return out;
}

}  // namespace periscope::subagent
