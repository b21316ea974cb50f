#include "poller/decode.h"

#include <limits>
#include <map>

#include <fmt/format.h>

#include "core/strings.h"
#include "mib/periscope_oids.h"

namespace periscope::poller {
namespace {

int64_t Saturate(uint64_t v) {
  return v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(v);
}

std::string CleanText(const std::string& s) {
  std::string t = TruncateUtf8(s, mib::kMaxAdminStringBytes);
  if (IsCleanUtf8Text(t)) return t;
  std::string out;
  for (char c : t) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

// DateAndTime octets -> YYYYMMDD; nullopt for the MIB's "unknown" (1970-01-01).
std::optional<int64_t> DateOf(const std::string& o) {
  if (o.size() < 4) return std::nullopt;
  int64_t year = static_cast<unsigned char>(o[0]) * 256 + static_cast<unsigned char>(o[1]);
  int64_t date =
      year * 10000 + static_cast<unsigned char>(o[2]) * 100 + static_cast<unsigned char>(o[3]);
  if (date <= 19700101) return std::nullopt;
  return date;
}

}  // namespace

Result<std::vector<store::DeviceRecord>> DecodeDevices(const std::vector<snmp::VarBind>& varbinds) {
  const mib::OidVector objects = mib::Oid({mib::kObjects});
  const size_t base = objects.size();
  std::map<int64_t, store::DeviceRecord> devices;
  std::map<int64_t, std::map<int64_t, store::DailyRow>> daily;
  std::map<int64_t, bool> has_serial;
  for (const snmp::VarBind& vb : varbinds) {
    const auto& o = vb.oid;
    if (o.size() < base + 4 || !std::equal(objects.begin(), objects.end(), o.begin())) continue;
    uint32_t table = o[base];
    if (o[base + 1] != mib::kEntry) continue;
    uint32_t column = o[base + 2];
    int64_t index = o[base + 3];
    if (table == mib::kDeviceTable && o.size() == base + 4) {
      store::DeviceRecord& d = devices[index];
      d.device_index = index;
      store::DeviceSpec& s = d.spec;
      store::DeviceUsage& u = d.usage;
      switch (column) {
        case mib::kDeviceType:
          s.type = vb.integer;
          break;
        case mib::kDeviceProductName:
          s.product_name = CleanText(vb.octets);
          break;
        case mib::kDeviceModel:
          s.model = CleanText(vb.octets);
          break;
        case mib::kDeviceProductNumber:
          s.product_number = CleanText(vb.octets);
          break;
        case mib::kDeviceSerialNumber:
          s.serial_number = CleanText(vb.octets);
          has_serial[index] = true;
          break;
        case mib::kDeviceConfiguration:
          s.configuration = CleanText(vb.octets);
          break;
        case mib::kDeviceFirmware:
          s.firmware = CleanText(vb.octets);
          break;
        case mib::kDeviceCapacityBytes:
          s.capacity_bytes = Saturate(vb.unsigned_value);
          u.capacity_bytes = s.capacity_bytes;
          break;
        case mib::kDeviceCacheBytes:
          s.cache_bytes = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceSaleDate:
          s.sale_date = DateOf(vb.octets);
          break;
        case mib::kDevicePrice:
          s.price_minor_units = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceCurrency:
          s.currency = CleanText(vb.octets);
          break;
        case mib::kDeviceUserId:
          s.user_id = CleanText(vb.octets);
          break;
        case mib::kDeviceUsedBytes:
          u.used_bytes = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceLoadIntervalS:
          u.load_interval_s = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceLoadPeakToday:
          u.load_peak_today = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceLoadAvgToday:
          u.load_avg_today_centi = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceWritesCompleted:
          u.writes_completed = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceBytesWritten:
          u.bytes_written = Saturate(vb.unsigned_value);
          break;
        case mib::kDeviceStatus:
          u.status = vb.integer;
          break;
        case mib::kDeviceStatusText:
          u.status_text = CleanText(vb.octets);
          break;
        default:
          break;
      }
    } else if (table == mib::kDailyTable && o.size() == base + 5) {
      int64_t date = o[base + 4];
      store::DailyRow& r = daily[index][date];
      r.date = date;
      switch (column) {
        case mib::kDailyLoadPeak:
          r.load_peak = Saturate(vb.unsigned_value);
          break;
        case mib::kDailyLoadAvg:
          r.load_avg_centi = Saturate(vb.unsigned_value);
          break;
        case mib::kDailyUsedBytes:
          r.used_bytes = Saturate(vb.unsigned_value);
          break;
        case mib::kDailyIntervals:
          r.intervals = Saturate(vb.unsigned_value);
          break;
        default:
          break;
      }
    }
  }
  std::vector<store::DeviceRecord> out;
  for (auto& [index, d] : devices) {
    if (!has_serial[index]) {
      return InvalidArgumentError(fmt::format("device {} has no serial number column", index));
    }
    for (auto& [date, row] : daily[index]) d.daily.push_back(row);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace periscope::poller
