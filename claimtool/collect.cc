#include "claimtool/collect.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/strings.h"
#include "mib/periscope_oids.h"
#include "render/html.h"

namespace periscope::claimtool {
namespace {

using snmp::Oid;
using SnmpType = snmp::ValueType;
using snmp::VarBind;

// Every text kept from a device fits store::kMaxClaimTextBytes, the ellipsis
// CleanUtf8 appends to a cut text included.
constexpr size_t kEllipsisBytes = 3;  // U+2026
constexpr size_t kMaxCleanBytes = store::kMaxClaimTextBytes - kEllipsisBytes;

// IP-MIB ipAddrEntry: the ipAdEnt* columns, whose OCTET STRING values of 4
// (or 16) bytes are addresses (agents that serve IpAddress as octets).
const Oid kIpAddrEntry = {1, 3, 6, 1, 2, 1, 4, 20, 1};

// periscopeItemValue: rows <deviceIndex>.<IMPLIED name>.
Oid PeriscopeItemValueColumn() {
  return mib::Oid({mib::kObjects, mib::kItemTable, mib::kEntry, mib::kItemValue});
}

// A device index as an OID arc, or nullopt when it cannot be one.
std::optional<uint32_t> IndexArc(int64_t device_index) {
  if (device_index < 0 || device_index > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(device_index);
}

std::string JoinArcs(Oid::const_iterator begin, Oid::const_iterator end) {
  std::string out;
  for (auto it = begin; it != end; ++it) {
    if (!out.empty()) out += '.';
    out += std::to_string(*it);
  }
  return out;
}

// Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) {
      length = 2, cp = c & 0x1fu, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, cp = c & 0x0fu, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

std::string Hex(std::string_view s) {
  std::string out = "0x";
  for (char c : s) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

std::string Bounded(std::string_view text) { return render::CleanUtf8(text, kMaxCleanBytes); }

// "192.0.2.7" or "2001:db8::7" of 4 or 16 octets, else nullopt.
std::optional<std::string> AddressText(std::string_view octets) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (octets.size() == 4) {
    in_addr a{};
    std::memcpy(&a, octets.data(), 4);
    if (::inet_ntop(AF_INET, &a, buf, sizeof buf) != nullptr) return std::string(buf);
  } else if (octets.size() == 16) {
    in6_addr a{};
    std::memcpy(&a, octets.data(), 16);
    if (::inet_ntop(AF_INET6, &a, buf, sizeof buf) != nullptr) return std::string(buf);
  }
  return std::nullopt;
}

// A decimal number as text: optional sign, digits, optional fraction.
std::optional<double> ParseDecimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const size_t digits_from = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == digits_from) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    const size_t fraction_from = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == fraction_from) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // from_chars takes no '+'.
  std::string_view body = s.front() == '+' ? s.substr(1) : s;
  double value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec != std::errc() || end != body.data() + body.size()) return std::nullopt;
  return value;
}

struct Decoded {
  std::optional<double> number;
  std::string text;
  std::string problem;
};

Decoded Refused(std::string_view expected, const VarBind& vb) {
  return {std::nullopt, "",
          Bounded(fmt::format("expected {}, got {}", expected, snmp::DescribeValue(vb)))};
}

Decoded DecodeNumber(const VarBind& vb) {
  switch (vb.type) {
    case SnmpType::kInteger:
      return {static_cast<double>(vb.integer), std::to_string(vb.integer), ""};
    case SnmpType::kCounter32:
    case SnmpType::kGauge32:
    case SnmpType::kTimeTicks:
    case SnmpType::kCounter64:
      return {static_cast<double>(vb.unsigned_value), std::to_string(vb.unsigned_value), ""};
    case SnmpType::kOctets: {
      std::string_view text = TrimWhitespace(vb.octets);
      if (auto number = ParseDecimal(text)) return {*number, std::string(text), ""};
      return Refused("a number", vb);
    }
    default:
      return Refused("a number", vb);
  }
}

Decoded DecodeText(const VarBind& vb, bool address_column) {
  switch (vb.type) {
    case SnmpType::kInteger:
      return {std::nullopt, std::to_string(vb.integer), ""};
    case SnmpType::kCounter32:
    case SnmpType::kGauge32:
    case SnmpType::kTimeTicks:
    case SnmpType::kCounter64:
      return {std::nullopt, std::to_string(vb.unsigned_value), ""};
    case SnmpType::kObjectId:  // the engine keeps the value dotted in octets
      return {std::nullopt, Bounded(vb.octets), ""};
    case SnmpType::kOctets:
      if (address_column) {
        if (auto address = AddressText(vb.octets)) return {std::nullopt, *address, ""};
      }
      if (IsUtf8(vb.octets)) return {std::nullopt, Bounded(vb.octets), ""};
      return {std::nullopt, Bounded(Hex(vb.octets)), ""};
    default:
      break;
  }
  if (static_cast<int>(vb.type) == 0x40) {  // IpAddress
    if (auto address = AddressText(vb.octets); address && vb.octets.size() == 4) {
      return {std::nullopt, *address, ""};
    }
  }
  return Refused("text", vb);
}

Decoded DecodeValue(const ItemDef& item, const VarBind& vb) {
  if (item.type == ValueType::kNumber) return DecodeNumber(vb);
  return DecodeText(
      vb, item.source != ItemSource::kPeriscope && snmp::OidStartsWith(item.oid, kIpAddrEntry));
}

// The varbinds sorted by OID, one per OID (a walk may return one twice when
// plan groups overlap).
std::vector<const VarBind*> SortedUnique(const std::vector<VarBind>& varbinds) {
  std::vector<const VarBind*> out;
  out.reserve(varbinds.size());
  for (const VarBind& vb : varbinds) out.push_back(&vb);
  std::stable_sort(out.begin(), out.end(),
                   [](const VarBind* a, const VarBind* b) { return a->oid < b->oid; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const VarBind* a, const VarBind* b) { return a->oid == b->oid; }),
            out.end());
  return out;
}

// The varbinds under `prefix`, in OID order.
std::pair<std::vector<const VarBind*>::const_iterator, std::vector<const VarBind*>::const_iterator>
Subtree(const std::vector<const VarBind*>& sorted, const Oid& prefix) {
  auto begin = std::lower_bound(sorted.begin(), sorted.end(), prefix,
                                [](const VarBind* vb, const Oid& o) { return vb->oid < o; });
  auto end = begin;
  while (end != sorted.end() && snmp::OidStartsWith((*end)->oid, prefix)) ++end;
  return {begin, end};
}

std::string Endpoint(const store::ClaimDevice& d) { return HostPort(d.address, d.port); }

template <typename Duration>
std::chrono::seconds CeilSeconds(Duration d) {
  return std::chrono::ceil<std::chrono::seconds>(d);
}

}  // namespace

poller::WalkPlan PlanForItems(const std::vector<const ItemDef*>& items,
                              const std::vector<int64_t>& device_indexes) {
  std::vector<Oid> columns;  // distinct, in first-seen order
  std::set<Oid> seen;
  auto add = [&](Oid column) {
    if (column.empty() || !seen.insert(column).second) return;
    columns.push_back(std::move(column));
  };
  for (const ItemDef* item : items) {
    if (item == nullptr) continue;
    if (item->source == ItemSource::kPeriscope) {
      for (int64_t index : device_indexes) {
        std::optional<uint32_t> arc = IndexArc(index);
        if (!arc) continue;
        Oid column = PeriscopeItemValueColumn();
        column.push_back(*arc);
        add(std::move(column));
      }
    } else {
      add(item->oid);
    }
  }
  // One group per table (the parent OID). Columns with one parent have one
  // length, so distinct columns of a group never overlap; a column that is a
  // prefix of another has a shorter parent and lands in another group.
  poller::WalkPlan plan;
  std::vector<Oid> parents;
  for (Oid& column : columns) {
    Oid parent(column.begin(), column.end() - 1);
    auto it = std::find(parents.begin(), parents.end(), parent);
    if (it == parents.end()) {
      parents.push_back(std::move(parent));
      plan.groups.push_back({std::move(column)});
    } else {
      plan.groups[static_cast<size_t>(it - parents.begin())].push_back(std::move(column));
    }
  }
  return plan;
}

std::vector<store::ClaimValueRecord> DecodeItemValues(const store::ClaimDevice& device,
                                                      const std::vector<const ItemDef*>& items,
                                                      const std::vector<VarBind>& varbinds,
                                                      int64_t read_at) {
  const std::vector<const VarBind*> sorted = SortedUnique(varbinds);
  const std::optional<uint32_t> device_arc = IndexArc(device.device_index);
  std::vector<store::ClaimValueRecord> out;
  for (const ItemDef* item : items) {
    if (item == nullptr) continue;
    const size_t first = out.size();
    auto emit = [&](std::string instance, const VarBind& vb) {
      Decoded d = DecodeValue(*item, vb);
      store::ClaimValueRecord r;
      r.device_id = device.device_id;
      r.item = item->name;
      r.instance = std::move(instance);
      r.number = d.number;
      r.text = std::move(d.text);
      r.problem = std::move(d.problem);
      r.read_at = read_at;
      out.push_back(std::move(r));
    };
    if (item->source == ItemSource::kPeriscope) {
      if (device_arc) {
        Oid row = PeriscopeItemValueColumn();
        row.push_back(*device_arc);
        for (char c : item->periscope_item) row.push_back(static_cast<unsigned char>(c));
        auto [begin, end] = Subtree(sorted, row);
        if (begin != end && (*begin)->oid == row) emit("", **begin);
      }
    } else if (!item->table) {
      Oid instance = item->oid;
      instance.push_back(0);
      auto [begin, end] = Subtree(sorted, instance);
      if (begin != end && (*begin)->oid == instance) emit("", **begin);
    } else if (!item->oid.empty()) {
      const size_t n = item->oid.size();
      auto [begin, end] = Subtree(sorted, item->oid);
      for (auto it = begin; it != end; ++it) {
        const Oid& oid = (*it)->oid;
        if (oid.size() == n) continue;  // the column itself is no row
        if (!item->device_indexed) {
          emit(JoinArcs(oid.begin() + static_cast<std::ptrdiff_t>(n), oid.end()), **it);
        } else if (device_arc && oid[n] == *device_arc) {
          emit(JoinArcs(oid.begin() + static_cast<std::ptrdiff_t>(n + 1), oid.end()), **it);
        }
      }
    }
    if (out.size() == first) {
      store::ClaimValueRecord r;
      r.device_id = device.device_id;
      r.item = item->name;
      r.problem = "no such object";
      r.read_at = read_at;
      out.push_back(std::move(r));
    }
  }
  return out;
}

Result<CollectResult> CollectItems(const std::vector<store::ClaimDevice>& devices,
                                   const std::vector<const ItemDef*>& items,
                                   const CollectOptions& options) {
  if (options.clock == nullptr) return InvalidArgumentError("collect: no clock given");
  if (items.empty()) return InvalidArgumentError("collect: no items to read");
  const auto started = std::chrono::steady_clock::now();
  // Clamped so that steady-clock arithmetic cannot overflow.
  const std::chrono::milliseconds deadline = std::clamp<std::chrono::milliseconds>(
      options.deadline, std::chrono::milliseconds(0), std::chrono::hours(24 * 366));
  const auto stop_at = started + deadline;

  // One job per target; its plan covers every device index of the target.
  struct TargetRun {
    int64_t target_id = 0;
    const poller::Profile* profile = nullptr;
    std::string profile_name;
    std::vector<int64_t> device_indexes;
    poller::WalkPlan plan;
    bool planned = false;
    std::optional<poller::JobResult> result;
    int64_t result_at = 0;
  };
  std::deque<TargetRun> targets;  // stable addresses: jobs point at plans
  std::map<int64_t, TargetRun*> by_id;
  std::vector<poller::Job> jobs;
  for (const store::ClaimDevice& d : devices) {
    auto [it, inserted] = by_id.try_emplace(d.target_id, nullptr);
    if (inserted) {
      TargetRun& t = targets.emplace_back();
      t.target_id = d.target_id;
      t.profile_name = d.profile;
      if (options.profiles != nullptr) {
        auto p = options.profiles->find(d.profile);
        if (p != options.profiles->end()) t.profile = &p->second;
      }
      it->second = &t;
    }
    std::vector<int64_t>& indexes = it->second->device_indexes;
    if (std::find(indexes.begin(), indexes.end(), d.device_index) == indexes.end()) {
      indexes.push_back(d.device_index);
    }
  }
  for (const store::ClaimDevice& d : devices) {
    TargetRun& t = *by_id[d.target_id];
    if (t.profile == nullptr || t.planned) continue;
    t.planned = true;
    t.plan = PlanForItems(items, t.device_indexes);
    jobs.push_back(poller::Job{t.target_id, d.address, d.port, t.profile, &t.plan});
  }

  poller::EngineOptions engine_options = options.engine;
  engine_options.device_deadline = std::min(engine_options.device_deadline, CeilSeconds(deadline));
  engine_options.run_budget = std::min(engine_options.run_budget, CeilSeconds(deadline));
  poller::Engine engine(std::move(engine_options));
  engine.Run(
      jobs, mib::kPeriscopeMibRoot,
      [&](poller::JobResult&& r) {
        auto it = by_id.find(r.target_id);
        if (it == by_id.end()) return;
        it->second->result_at = UnixSeconds(*options.clock);
        it->second->result = std::move(r);
      },
      [&] { return std::chrono::steady_clock::now() >= stop_at; });
  const auto ended = std::chrono::steady_clock::now();
  const int64_t ended_at = UnixSeconds(*options.clock);
  const int64_t run_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ended - started).count();

  CollectResult out;
  out.elapsed_ms = run_ms;
  for (const store::ClaimDevice& d : devices) {
    const TargetRun& t = *by_id[d.target_id];
    store::ClaimDeviceRecord rec;
    rec.device_id = d.device_id;
    rec.role = out.devices.empty() ? "claimed" : "peer";
    rec.customer_user_id = d.customer_user_id;
    rec.serial_number = d.serial_number;
    rec.endpoint = Endpoint(d);
    if (t.profile == nullptr) {
      rec.error_class = "profile";
      rec.error = Bounded(fmt::format("{}: no credentials profile '{}' in the poller config",
                                      rec.endpoint, t.profile_name));
      rec.read_at = ended_at;
    } else if (!t.result) {
      out.completed = false;
      rec.error_class = "deadline";
      rec.error =
          fmt::format("{}: no answer within the deadline of {} ms", rec.endpoint, deadline.count());
      rec.read_at = ended_at;
      rec.elapsed_ms = run_ms;
    } else if (!t.result->ok) {
      rec.error_class = poller::ErrorClassName(t.result->error_class);
      rec.error = Bounded(t.result->error);
      rec.read_at = t.result_at;
      rec.elapsed_ms = t.result->elapsed.count();
    } else {
      rec.read_at = t.result_at;
      rec.elapsed_ms = t.result->elapsed.count();
      std::vector<store::ClaimValueRecord> values =
          DecodeItemValues(d, items, t.result->varbinds, t.result_at);
      const store::ClaimValueRecord* first_problem = nullptr;
      for (const store::ClaimValueRecord& v : values) {
        if (v.problem.empty()) {
          rec.answered = true;
        } else if (first_problem == nullptr) {
          first_problem = &v;
        }
      }
      if (!rec.answered) {
        rec.error_class = "no_usable_value";
        rec.error =
            first_problem == nullptr
                ? fmt::format("{}: no value", rec.endpoint)
                : Bounded(fmt::format(
                      "{}: item '{}'{}: {}", rec.endpoint, first_problem->item,
                      first_problem->instance.empty() ? "" : " instance " + first_problem->instance,
                      first_problem->problem));
      }
      for (store::ClaimValueRecord& v : values) out.values.push_back(std::move(v));
    }
    out.devices.push_back(std::move(rec));
  }
  return out;
}

}  // namespace periscope::claimtool
