// Fuzzes poller::DecodePeripherals: a walk of a printer's, host's or network
// device's standard MIBs, as any agent might return it, into peripheral
// records.
//
// The first byte picks the kind. Each varbind is built from a few bytes: one
// of the columns the plans walk (or, rarely, one arc more or less), one or two
// small index arcs (sometimes a full 32-bit arc, or .0 for scalars), the value
// type and the value. hrStorageType values are usually real storage type OIDs.
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "poller/peripheral_decode.h"
#include "poller/peripheral_plan.h"

namespace periscope {
namespace {

using snmp::ValueType;
using snmp::VarBind;

constexpr ValueType kTypes[] = {
    ValueType::kInteger,      ValueType::kOctets,       ValueType::kObjectId,
    ValueType::kCounter32,    ValueType::kGauge32,      ValueType::kTimeTicks,
    ValueType::kCounter64,    ValueType::kNoSuchObject, ValueType::kNoSuchInstance,
    ValueType::kEndOfMibView, ValueType::kOther,
};

const std::vector<snmp::Oid>& Roots() {
  static const std::vector<snmp::Oid> kRoots = [] {
    std::vector<snmp::Oid> out;
    for (store::DeviceKind kind :
         {store::DeviceKind::kPrinter, store::DeviceKind::kHost, store::DeviceKind::kNetwork}) {
      for (const auto& group : poller::PeripheralPlan(kind).groups) {
        out.insert(out.end(), group.begin(), group.end());
      }
    }
    return out;
  }();
  return kRoots;
}

VarBind NextVarBind(fuzz::FuzzInput& in) {
  VarBind vb;
  const uint8_t shape = in.Byte();
  vb.oid = Roots()[in.Byte() % Roots().size()];
  if ((shape & 0x80) != 0)
    vb.oid.push_back(in.Uint32());
  else
    vb.oid.push_back(in.Byte() % 4);
  if ((shape & 0x40) != 0) vb.oid.push_back(in.Byte() % 6);
  if ((shape & 0x20) != 0 && (shape & 0x10) != 0) vb.oid.resize(vb.oid.size() - 2);
  const uint8_t kind = in.Byte();
  vb.type = kTypes[kind % (sizeof kTypes / sizeof kTypes[0])];
  vb.integer = static_cast<int64_t>(static_cast<int32_t>(in.Uint(kind & 0x10 ? 4 : 1)));
  if ((kind & 0x80) != 0) vb.integer = -vb.integer;
  vb.unsigned_value = in.Uint(kind & 0x20 ? 8 : 2);
  if (vb.type == ValueType::kObjectId && (shape & 0x08) == 0) {
    vb.octets = "1.3.6.1.2.1.25.2.1." + std::to_string(in.Byte() % 12);
  } else {
    vb.octets = in.String((kind & 0x40) != 0 ? 300 : 16);
  }
  return vb;
}

void CheckDecoded(const poller::DecodedPeripherals& decoded,
                  const poller::PeripheralDecodeOptions& options) {
  FUZZ_CHECK(decoded.devices.size() <= options.max_devices || decoded.devices.size() == 1);
  FUZZ_CHECK(decoded.warnings.size() <= options.max_warnings + 1);
  for (size_t i = 0; i < decoded.devices.size(); ++i) {
    const store::PeripheralRecord& d = decoded.devices[i];
    if (i > 0) FUZZ_CHECK(decoded.devices[i - 1].device_index < d.device_index);
    FUZZ_CHECK(d.device_index >= 1 && d.device_index <= 0xffffffffLL);
    FUZZ_CHECK(!d.serial_number.empty() && d.serial_number.size() <= 255 + 64);
    FUZZ_CHECK(!d.uptime_cs || *d.uptime_cs >= 0);
    if (d.spec) {
      FUZZ_CHECK(!d.spec->model.empty() && d.spec->model.size() <= 255);
      FUZZ_CHECK(d.spec->description.size() <= 255 && d.spec->firmware.size() <= 255);
      FUZZ_CHECK(nlohmann::json::accept(d.spec->details_json));
    }
    std::set<std::pair<std::string, std::string>> seen;
    for (const store::MetricReading& m : d.readings) {
      FUZZ_CHECK(!m.instance.empty() && m.instance.size() <= 255);
      FUZZ_CHECK(seen.insert({m.metric, m.instance}).second);  // one reading per instance
      if (m.type == store::MetricType::kGauge || m.type == store::MetricType::kLifeCount) {
        FUZZ_CHECK(m.value <= static_cast<uint64_t>(INT64_MAX));
      }
      if (m.type == store::MetricType::kCounter32 || m.type == store::MetricType::kLifeCount) {
        FUZZ_CHECK(m.value <= 0xffffffffULL);
      }
      if (m.metric == store::kMetricSupplyLevelPct || m.metric == store::kMetricCpuLoadPct) {
        FUZZ_CHECK(m.value <= 100);
      }
      FUZZ_CHECK(!m.capacity_per_s || *m.capacity_per_s > 0);
    }
    for (const store::DeviceAlert& a : d.alerts) FUZZ_CHECK(a.description.size() <= 255);
    if (d.kind != store::DeviceKind::kPrinter) FUZZ_CHECK(d.alerts.empty());
  }
}

}  // namespace
}  // namespace periscope

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  fuzz::FuzzInput in(data, size);
  const store::DeviceKind kinds[] = {store::DeviceKind::kPrinter, store::DeviceKind::kHost,
                                     store::DeviceKind::kNetwork};
  const store::DeviceKind kind = kinds[in.Byte() % 3];
  std::vector<snmp::VarBind> varbinds;
  while (!in.empty() && varbinds.size() < 4096) varbinds.push_back(NextVarBind(in));
  poller::PeripheralDecodeOptions options;
  options.target_address = "192.0.2.1";
  options.target_port = 161;
  options.max_devices = 16;
  options.max_instances = 64;
  options.max_warnings = 16;
  auto decoded = poller::DecodePeripherals(kind, varbinds, options);
  if (decoded.ok()) CheckDecoded(*decoded, options);
  return 0;
}
