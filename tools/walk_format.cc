#include "tools/walk_format.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/strings.h"
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

// A left-aligned text table.
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = DisplayWidth(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], DisplayWidth(row[c]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < width.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      out += cell;
      if (c + 1 < width.size()) out += std::string(width[c] - DisplayWidth(cell) + 2, ' ');
    }
    return out + "\n";
  };
  std::string out = line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : rows) out += line(row);
  return out;
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

size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xc0) {
      len = 2;
      cp = c & 0x1f;
    }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    }
    i += len;
    bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

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
  out += RenderTable({"object", "value"}, rows);

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
  out += RenderTable(header, rows);

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
  out += RenderTable({"device", "date", "load peak", "load avg", "used", "intervals"}, rows);

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
  out += RenderTable({"device", "item", "value", "unit", "source"}, rows);

  if (!other.empty()) {
    out += "\nother objects\n";
    rows.clear();
    for (const VarBind* vb : other) rows.push_back({snmp::OidToString(vb->oid), Raw(*vb)});
    out += RenderTable({"oid", "value"}, rows);
  }
  return out;
}

}  // namespace periscope::tools
