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

#include "core/clock.h"
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

// The decoder's contract: records in index order, every stored value valid
// for its MIB syntax, and a bounded number of warnings.
void CheckDecoded(const poller::DecodedTarget& decoded, const poller::DecodeOptions& options) {
  const std::vector<store::DeviceRecord>& records = decoded.devices;
  FUZZ_CHECK(records.size() <= options.max_devices);
  FUZZ_CHECK(decoded.warnings.size() <= options.max_warnings + 1);
  for (size_t i = 0; i < records.size(); ++i) {
    const store::DeviceRecord& d = records[i];
    if (i > 0) FUZZ_CHECK(records[i - 1].device_index < d.device_index);
    FUZZ_CHECK(d.device_index >= 1 && d.device_index <= 0xffffffffLL);
    FUZZ_CHECK(!d.serial_number.empty() && d.serial_number.size() <= mib::kMaxAdminStringBytes);
    if (d.spec) {
      const store::DeviceSpec& s = *d.spec;
      for (const std::string* t : {&s.product_name, &s.model, &s.product_number, &s.configuration,
                                   &s.firmware, &s.user_id}) {
        FUZZ_CHECK(t->size() <= mib::kMaxAdminStringBytes);
      }
      FUZZ_CHECK(s.currency.empty() || s.currency.size() == 3);
      FUZZ_CHECK(s.type >= 1 && s.type <= 9);
      FUZZ_CHECK(!s.sale_date || IsValidDate(static_cast<DateYmd>(*s.sale_date)));
      for (int64_t n : {s.capacity_bytes, s.cache_bytes, s.price_minor_units}) FUZZ_CHECK(n >= 0);
    }
    const store::DeviceUsage& u = d.usage;
    for (const std::optional<int64_t>& n :
         {u.used_bytes, u.capacity_bytes, u.load_interval_s, u.load_peak_today,
          u.load_avg_today_centi, u.writes_completed, u.bytes_written}) {
      FUZZ_CHECK(!n || *n >= 0);  // counters saturate, never wrap negative
    }
    FUZZ_CHECK(!u.status || (*u.status >= 1 && *u.status <= 3));
    FUZZ_CHECK(!u.status_text || u.status_text->size() <= mib::kMaxAdminStringBytes);
    for (size_t j = 0; j < d.daily.size(); ++j) {
      if (j > 0) FUZZ_CHECK(d.daily[j - 1].date < d.daily[j].date);
      FUZZ_CHECK(IsValidDate(static_cast<DateYmd>(d.daily[j].date)));
      FUZZ_CHECK(d.daily[j].date <= options.latest_date);
    }
  }
}

}  // namespace
}  // namespace periscope

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  fuzz::FuzzInput in(data, size);
  std::vector<snmp::VarBind> varbinds;
  while (!in.empty() && varbinds.size() < 4096) varbinds.push_back(NextVarBind(in));
  poller::DecodeOptions options;
  options.latest_date = 20261203;
  options.max_devices = 64;
  options.max_warnings = 16;
  auto decoded = poller::DecodeDevices(varbinds, options);
  if (decoded.ok()) CheckDecoded(*decoded, options);
  return 0;
}
