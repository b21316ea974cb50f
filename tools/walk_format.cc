#include "tools/walk_format.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/strings.h"
#include "core/text_table.h"
#include "mib/periscope_oids.h"

namespace periscope::tools {
namespace {

using snmp::ValueType;
using snmp::VarBind;

std::string HumanBytes(uint64_t b) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(b);
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

std::string Hundredths(uint64_t v) { return fmt::format("{}.{:02}", v / 100, v % 100); }

std::string Printable(const std::string& s) {
  if (IsCleanUtf8Text(s)) return s;
  std::string hex = "0x";
  for (char c : s) hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return hex;
}

std::string Raw(const VarBind& vb) {
  switch (vb.type) {
    case ValueType::kOctets:
      return Printable(vb.octets);
    case ValueType::kInteger:
      return std::to_string(vb.integer);
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks:
    case ValueType::kCounter64:
      return std::to_string(vb.unsigned_value);
    case ValueType::kNoSuchObject:
      return "(noSuchObject)";
    case ValueType::kNoSuchInstance:
      return "(noSuchInstance)";
    case ValueType::kEndOfMibView:
      return "(endOfMibView)";
    default:
      return "(?)";
  }
}

std::string DeviceCell(uint32_t column, const VarBind& vb) {
  switch (column) {
    case mib::kDeviceType:
      return std::string(mib::DeviceTypeLabel(static_cast<mib::DeviceType>(vb.integer)));
    case mib::kDeviceCapacityBytes:
    case mib::kDeviceCacheBytes:
    case mib::kDeviceUsedBytes:
    case mib::kDeviceBytesWritten:
      return fmt::format("{} ({})", vb.unsigned_value, HumanBytes(vb.unsigned_value));
    case mib::kDeviceLoadAvgToday:
      return Hundredths(vb.unsigned_value);
    case mib::kDeviceSaleDate: {
      std::string t = FormatDateAndTime(vb.octets);
      return t.substr(0, 10) == "1970-01-01" ? "(unknown)" : t.substr(0, 10);
    }
    case mib::kDeviceLastSampleTime:
      return FormatDateAndTime(vb.octets);
    case mib::kDeviceStatus:
      return vb.integer == 1 ? "ok" : vb.integer == 2 ? "degraded" : "unavailable";
    default:
      return Raw(vb);
  }
}

std::string NameOf(uint32_t table, uint32_t column) {
  mib::OidVector want = mib::Oid({mib::kObjects, table, mib::kEntry, column});
  for (const auto& n : mib::AllNamedOids()) {
    if (n.oid == want) return std::string(n.name);
  }
  return fmt::format("column {}", column);
}

std::string ScalarName(uint32_t scalar) {
  mib::OidVector want = mib::Oid({mib::kObjects, mib::kAgentGroup, scalar});
  for (const auto& n : mib::AllNamedOids()) {
    if (n.oid == want) return std::string(n.name);
  }
  return fmt::format("scalar {}", scalar);
}

}  // namespace

std::string FormatDateAndTime(const std::string& o) {
  if (o.size() != 8 && o.size() != 11) return Printable(o);
  auto u = [&](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(o[i])); };
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{}", u(0) * 256 + u(1), u(2),
                                u(3), u(4), u(5), u(6), u(7));
  if (o.size() == 11) out += fmt::format(" {}{:02}:{:02}", o[8], u(9), u(10));
  return out;
}

std::string FormatPeriscopeWalk(const std::vector<VarBind>& varbinds) {
  const mib::OidVector objects = mib::Oid({mib::kObjects});
  const size_t base = objects.size();
  std::map<uint32_t, VarBind> scalars;
  std::map<uint32_t, std::map<uint32_t, VarBind>> devices;  // index -> column -> value
  std::map<std::pair<uint32_t, uint32_t>, std::map<uint32_t, VarBind>> days;
  std::map<std::pair<uint32_t, std::string>, std::map<uint32_t, VarBind>> items;
  std::vector<const VarBind*> other;
  for (const VarBind& vb : varbinds) {
    const auto& o = vb.oid;
    bool ours = o.size() > base + 2 && std::equal(objects.begin(), objects.end(), o.begin());
    if (!ours) {
      other.push_back(&vb);
      continue;
    }
    uint32_t group = o[base];
    if (group == mib::kAgentGroup && o.size() == base + 3) {
      scalars[o[base + 1]] = vb;
    } else if (group == mib::kDeviceTable && o.size() == base + 4) {
      devices[o[base + 3]][o[base + 2]] = vb;
    } else if (group == mib::kDailyTable && o.size() == base + 5) {
      days[{o[base + 3], o[base + 4]}][o[base + 2]] = vb;
    } else if (group == mib::kItemTable && o.size() > base + 4) {
      std::string name;
      for (size_t i = base + 4; i < o.size(); ++i) name += static_cast<char>(o[i] & 0xff);
      items[{o[base + 3], name}][o[base + 2]] = vb;
    } else {
      other.push_back(&vb);
    }
  }

  std::string out = "periscope agent\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [id, vb] : scalars) {
    rows.push_back(
        {ScalarName(id), id == mib::kAgentLastSampleTime ? FormatDateAndTime(vb.octets) : Raw(vb)});
  }
  out += RenderTextTable({"object", "value"}, rows);

  out += "\nperiscopeDeviceTable\n";
  std::vector<std::string> header = {"column"};
  for (const auto& [index, cols] : devices) header.push_back(fmt::format("device {}", index));
  rows.clear();
  for (uint32_t col = mib::kDeviceFirstColumn; col <= mib::kDeviceLastColumn; ++col) {
    std::vector<std::string> row = {NameOf(mib::kDeviceTable, col)};
    for (const auto& [index, cols] : devices) {
      auto it = cols.find(col);
      row.push_back(it == cols.end() ? "" : DeviceCell(col, it->second));
    }
    rows.push_back(std::move(row));
  }
  out += RenderTextTable(header, rows);

  out += "\nperiscopeDailyTable\n";
  rows.clear();
  for (const auto& [key, cols] : days) {
    auto get = [&](uint32_t c) {
      auto it = cols.find(c);
      return it == cols.end() ? VarBind{} : it->second;
    };
    rows.push_back(
        {std::to_string(key.first), std::to_string(key.second), Raw(get(mib::kDailyLoadPeak)),
         Hundredths(get(mib::kDailyLoadAvg).unsigned_value),
         HumanBytes(get(mib::kDailyUsedBytes).unsigned_value), Raw(get(mib::kDailyIntervals))});
  }
  out += RenderTextTable({"device", "date", "load peak", "load avg", "used", "intervals"}, rows);

  out += "\nperiscopeItemTable\n";
  rows.clear();
  static constexpr const char* kSources[] = {"?", "static", "file", "builtin"};
  for (const auto& [key, cols] : items) {
    auto get = [&](uint32_t c) {
      auto it = cols.find(c);
      return it == cols.end() ? VarBind{} : it->second;
    };
    int64_t source = get(mib::kItemSource).integer;
    rows.push_back({std::to_string(key.first), key.second, Raw(get(mib::kItemValue)),
                    Raw(get(mib::kItemUnit)), kSources[source >= 1 && source <= 3 ? source : 0]});
  }
  out += RenderTextTable({"device", "item", "value", "unit", "source"}, rows);

  if (!other.empty()) {
    out += "\nother objects\n";
    rows.clear();
    for (const VarBind* vb : other) rows.push_back({snmp::OidToString(vb->oid), Raw(*vb)});
    out += RenderTextTable({"oid", "value"}, rows);
  }
  return out;
}

}  // namespace periscope::tools
