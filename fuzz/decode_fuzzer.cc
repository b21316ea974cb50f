// Fuzzes poller::DecodeDevices: a walk of the periscope subtree, as any agent
// (or anything answering on its port) might return it, into device records.
//
// The input is a list of varbinds, each built from a few bytes: which table
// (device, daily, item or any arc), entry arc, column, device index, daily
// date, extra or missing arcs, value type and value. Most OIDs are under
// periscopeObjects with plausible columns, so the decoder's paths are reached.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "mib/periscope_oids.h"
#include "poller/decode.h"

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

VarBind NextVarBind(fuzz::FuzzInput& in) {
  VarBind vb;
  const uint8_t shape = in.Byte();
  const uint8_t tables[] = {mib::kDeviceTable, mib::kDailyTable, mib::kItemTable, mib::kAgentGroup};
  vb.oid = mib::Oid({mib::kObjects});
  vb.oid.push_back((shape & 0x80) != 0 ? in.Byte() : tables[shape & 3]);
  vb.oid.push_back((shape & 0x40) != 0 ? in.Byte() : mib::kEntry);
  vb.oid.push_back(in.Byte() % 32);                                     // column
  vb.oid.push_back((shape & 0x20) != 0 ? in.Uint32() : in.Byte() % 4);  // device index
  if ((shape & 0x10) != 0) {  // a daily date, usually plausible
    vb.oid.push_back((shape & 0x08) != 0 ? in.Uint32()
                                         : 20260101u + in.Byte() % 12 * 100 + in.Byte() % 32);
  }
  if ((shape & 0x04) != 0) {  // extra arcs, or (rarely) a cut OID
    uint8_t n = in.Byte();
    if (n < 16) {
      vb.oid.resize(n % (vb.oid.size() + 1));
    } else {
      for (uint8_t i = 0; i < n % 4; ++i) vb.oid.push_back(in.Uint32());
    }
  }
  const uint8_t kind = in.Byte();
  vb.type = kTypes[kind % (sizeof kTypes / sizeof kTypes[0])];
  vb.integer = static_cast<int64_t>(in.Uint(kind & 0x10 ? 8 : 1));
  vb.unsigned_value = in.Uint(kind & 0x20 ? 8 : 2);
  vb.octets = in.String((kind & 0x40) != 0 ? 300 : 16);
  return vb;
}

// Only the records of whatever DecodeDevices returns: a plain vector today,
// a struct with records and warnings later.
const std::vector<store::DeviceRecord>& RecordsOf(const std::vector<store::DeviceRecord>& r) {
  return r;
}
template <typename T>
requires requires(const T& t) { t.records; }
const std::vector<store::DeviceRecord>& RecordsOf(const T& t) { return t.records; }

void CheckRecords(const std::vector<store::DeviceRecord>& records) {
  for (size_t i = 0; i < records.size(); ++i) {
    const store::DeviceRecord& d = records[i];
    if (i > 0) FUZZ_CHECK(records[i - 1].device_index < d.device_index);
    FUZZ_CHECK(d.device_index >= 0 && d.device_index <= 0xffffffffLL);
    for (const std::string* s : {&d.spec.product_name, &d.spec.model, &d.spec.product_number,
                                 &d.spec.serial_number, &d.spec.configuration, &d.spec.firmware,
                                 &d.spec.currency, &d.spec.user_id, &d.usage.status_text}) {
      FUZZ_CHECK(s->size() <= mib::kMaxAdminStringBytes);
    }
    for (int64_t n :
         {d.spec.capacity_bytes, d.spec.cache_bytes, d.spec.price_minor_units, d.usage.used_bytes,
          d.usage.load_interval_s, d.usage.load_peak_today, d.usage.load_avg_today_centi,
          d.usage.writes_completed, d.usage.bytes_written}) {
      FUZZ_CHECK(n >= 0);  // counters saturate, never wrap negative
    }
    for (size_t j = 1; j < d.daily.size(); ++j) FUZZ_CHECK(d.daily[j - 1].date < d.daily[j].date);
  }
}

}  // namespace
}  // namespace periscope

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  fuzz::FuzzInput in(data, size);
  std::vector<snmp::VarBind> varbinds;
  while (!in.empty() && varbinds.size() < 4096) varbinds.push_back(NextVarBind(in));
  // The one line to adapt when DecodeDevices' signature changes.
  auto decoded = poller::DecodeDevices(varbinds);
  if (decoded.ok()) CheckRecords(RecordsOf(*decoded));
  return 0;
}
