#include "poller/decode.h"

#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/strings.h"
#include "mib/periscope_oids.h"

namespace periscope::poller {
namespace {

using snmp::ValueType;
using snmp::VarBind;

// The SMI syntaxes PERISCOPE-MIB uses, with their ranges.
enum class Syntax {
  kDeviceType,   // INTEGER { other(1) .. network(9) }
  kStatus,       // INTEGER { ok(1), degraded(2), unavailable(3) }
  kAdminString,  // SnmpAdminString (SIZE (0..255)), UTF-8
  kCurrency,     // OCTET STRING (SIZE (0 | 3)), upper-case ASCII letters
  kDateAndTime,  // SNMPv2-TC DateAndTime, 8 or 11 octets
  kGauge64,      // CounterBasedGauge64 / Counter64: the Counter64 tag
  kUnsigned32,   // Unsigned32, Gauge32, PeriscopeHundredths: the Gauge32 tag
};

struct ColumnRule {
  const char* name;
  Syntax syntax;
};

const std::map<uint32_t, ColumnRule>& DeviceColumns() {
  static const std::map<uint32_t, ColumnRule> kRules = {
      {mib::kDeviceType, {"periscopeDeviceType", Syntax::kDeviceType}},
      {mib::kDeviceProductName, {"periscopeDeviceProductName", Syntax::kAdminString}},
      {mib::kDeviceModel, {"periscopeDeviceModel", Syntax::kAdminString}},
      {mib::kDeviceProductNumber, {"periscopeDeviceProductNumber", Syntax::kAdminString}},
      {mib::kDeviceSerialNumber, {"periscopeDeviceSerialNumber", Syntax::kAdminString}},
      {mib::kDeviceConfiguration, {"periscopeDeviceConfiguration", Syntax::kAdminString}},
      {mib::kDeviceFirmware, {"periscopeDeviceFirmware", Syntax::kAdminString}},
      {mib::kDeviceCapacityBytes, {"periscopeDeviceCapacityBytes", Syntax::kGauge64}},
      {mib::kDeviceCacheBytes, {"periscopeDeviceCacheBytes", Syntax::kGauge64}},
      {mib::kDeviceSaleDate, {"periscopeDeviceSaleDate", Syntax::kDateAndTime}},
      {mib::kDevicePrice, {"periscopeDevicePrice", Syntax::kGauge64}},
      {mib::kDeviceCurrency, {"periscopeDeviceCurrency", Syntax::kCurrency}},
      {mib::kDeviceUserId, {"periscopeDeviceUserId", Syntax::kAdminString}},
      {mib::kDeviceUsedBytes, {"periscopeDeviceUsedBytes", Syntax::kGauge64}},
      {mib::kDeviceLoadIntervalS, {"periscopeDeviceLoadIntervalS", Syntax::kUnsigned32}},
      {mib::kDeviceLoadPeakToday, {"periscopeDeviceLoadPeakToday", Syntax::kUnsigned32}},
      {mib::kDeviceLoadAvgToday, {"periscopeDeviceLoadAvgToday", Syntax::kUnsigned32}},
      {mib::kDeviceWritesCompleted, {"periscopeDeviceWritesCompleted", Syntax::kGauge64}},
      {mib::kDeviceBytesWritten, {"periscopeDeviceBytesWritten", Syntax::kGauge64}},
      {mib::kDeviceStatus, {"periscopeDeviceStatus", Syntax::kStatus}},
      {mib::kDeviceStatusText, {"periscopeDeviceStatusText", Syntax::kAdminString}},
      {mib::kDeviceLastSampleTime, {"periscopeDeviceLastSampleTime", Syntax::kDateAndTime}},
  };
  return kRules;
}

const std::map<uint32_t, ColumnRule>& DailyColumns() {
  static const std::map<uint32_t, ColumnRule> kRules = {
      {mib::kDailyLoadPeak, {"periscopeDailyLoadPeak", Syntax::kUnsigned32}},
      {mib::kDailyLoadAvg, {"periscopeDailyLoadAvg", Syntax::kUnsigned32}},
      {mib::kDailyUsedBytes, {"periscopeDailyUsedBytes", Syntax::kGauge64}},
      {mib::kDailyIntervals, {"periscopeDailyIntervals", Syntax::kUnsigned32}},
  };
  return kRules;
}

// A checked value: `number` for numeric syntaxes, `text` for strings, `date`
// for DateAndTime (nullopt: the MIB's "unknown", 1970-01-01).
struct Value {
  int64_t number = 0;
  std::string text;
  std::optional<int64_t> date;
};

int64_t Saturate(uint64_t v) {
  return v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(v);
}

const char* Expected(Syntax syntax) {
  switch (syntax) {
    case Syntax::kDeviceType:
      return "INTEGER 1..9";
    case Syntax::kStatus:
      return "INTEGER 1..3";
    case Syntax::kAdminString:
      return "OCTET STRING of at most 255 bytes";
    case Syntax::kCurrency:
      return "OCTET STRING of 0 or 3 upper-case letters";
    case Syntax::kDateAndTime:
      return "DateAndTime (8 or 11 octets, a real date and time)";
    case Syntax::kGauge64:
      return "Counter64";
    case Syntax::kUnsigned32:
      return "Gauge32/Unsigned32";
  }
  return "?";
}

// DateAndTime octets (RFC 2579) -> YYYYMMDD; nullopt date for 1970-01-01.
bool CheckDateAndTime(const std::string& o, Value* out) {
  if (o.size() != 8 && o.size() != 11) return false;
  auto b = [&](size_t i) { return static_cast<unsigned char>(o[i]); };
  uint32_t year = b(0) * 256u + b(1);
  uint32_t month = b(2), day = b(3), hour = b(4), minute = b(5), second = b(6), deci = b(7);
  DateYmd date = year * 10000 + month * 100 + day;
  if (year < 1970 || !IsValidDate(date) || hour > 23 || minute > 59 || second > 60 || deci > 9) {
    return false;
  }
  if (o.size() == 11 && ((o[8] != '+' && o[8] != '-') || b(9) > 13 || b(10) > 59)) return false;
  if (date > 19700101) out->date = date;
  return true;
}

std::optional<Value> Check(const VarBind& vb, Syntax syntax) {
  Value v;
  switch (syntax) {
    case Syntax::kDeviceType:
    case Syntax::kStatus: {
      if (vb.type != ValueType::kInteger) return std::nullopt;
      int64_t max = syntax == Syntax::kDeviceType ? 9 : 3;
      if (vb.integer < 1 || vb.integer > max) return std::nullopt;
      v.number = vb.integer;
      return v;
    }
    case Syntax::kAdminString:
      if (vb.type != ValueType::kOctets || vb.octets.size() > mib::kMaxAdminStringBytes) {
        return std::nullopt;
      }
      v.text = CleanText(vb.octets, '?');  // a replaced character stays visible
      return v;
    case Syntax::kCurrency:
      if (vb.type != ValueType::kOctets || (!vb.octets.empty() && vb.octets.size() != 3)) {
        return std::nullopt;
      }
      for (char c : vb.octets) {
        if (c < 'A' || c > 'Z') return std::nullopt;
      }
      v.text = vb.octets;
      return v;
    case Syntax::kDateAndTime:
      if (vb.type != ValueType::kOctets || !CheckDateAndTime(vb.octets, &v)) return std::nullopt;
      return v;
    case Syntax::kGauge64:
      if (vb.type != ValueType::kCounter64) return std::nullopt;
      v.number = Saturate(vb.unsigned_value);
      return v;
    case Syntax::kUnsigned32:
      if (vb.type != ValueType::kGauge32) return std::nullopt;
      v.number = Saturate(vb.unsigned_value);
      return v;
  }
  return std::nullopt;
}

// Spec columns that must all arrive valid for a spec row (the serial number
// is the identity and is checked on its own).
constexpr uint32_t kSpecColumns[] = {
    mib::kDeviceType,          mib::kDeviceProductName,   mib::kDeviceModel,
    mib::kDeviceProductNumber, mib::kDeviceConfiguration, mib::kDeviceFirmware,
    mib::kDeviceCapacityBytes, mib::kDeviceCacheBytes,    mib::kDeviceSaleDate,
    mib::kDevicePrice,         mib::kDeviceCurrency,      mib::kDeviceUserId,
};

struct PartialDevice {
  store::DeviceRecord record;
  store::DeviceSpec spec;
  std::set<uint32_t> valid_columns;
  std::map<int64_t, store::DailyRow> daily;
};

class Decoder {
 public:
  explicit Decoder(const DecodeOptions& options) : options_(options) {}

  void Warn(int64_t device_index, std::string column, std::string message) {
    ++warning_count_;
    if (warnings_.size() < options_.max_warnings) {
      warnings_.push_back({device_index, std::move(column), std::move(message)});
    }
  }

  void DeviceCell(int64_t index, uint32_t column, const VarBind& vb) {
    auto rule = DeviceColumns().find(column);
    if (rule == DeviceColumns().end()) return;  // a newer MIB's column: not ours to judge
    PartialDevice& d = devices_[index];
    d.record.device_index = index;
    std::optional<Value> v = Check(vb, rule->second.syntax);
    if (!v) {
      Warn(index, rule->second.name,
           fmt::format("device {}: {} is {}, expected {}; treated as missing", index,
                       rule->second.name, snmp::DescribeValue(vb), Expected(rule->second.syntax)));
      return;
    }
    d.valid_columns.insert(column);
    store::DeviceSpec& s = d.spec;
    store::DeviceUsage& u = d.record.usage;
    switch (column) {
      case mib::kDeviceType:
        s.type = v->number;
        break;
      case mib::kDeviceProductName:
        s.product_name = std::move(v->text);
        break;
      case mib::kDeviceModel:
        s.model = std::move(v->text);
        break;
      case mib::kDeviceProductNumber:
        s.product_number = std::move(v->text);
        break;
      case mib::kDeviceSerialNumber:
        d.record.serial_number = std::move(v->text);
        break;
      case mib::kDeviceConfiguration:
        s.configuration = std::move(v->text);
        break;
      case mib::kDeviceFirmware:
        s.firmware = std::move(v->text);
        break;
      case mib::kDeviceCapacityBytes:
        s.capacity_bytes = v->number;
        u.capacity_bytes = v->number;
        break;
      case mib::kDeviceCacheBytes:
        s.cache_bytes = v->number;
        break;
      case mib::kDeviceSaleDate:
        s.sale_date = v->date;
        break;
      case mib::kDevicePrice:
        s.price_minor_units = v->number;
        break;
      case mib::kDeviceCurrency:
        s.currency = std::move(v->text);
        break;
      case mib::kDeviceUserId:
        s.user_id = std::move(v->text);
        break;
      case mib::kDeviceUsedBytes:
        u.used_bytes = v->number;
        break;
      case mib::kDeviceLoadIntervalS:
        u.load_interval_s = v->number;
        break;
      case mib::kDeviceLoadPeakToday:
        u.load_peak_today = v->number;
        break;
      case mib::kDeviceLoadAvgToday:
        u.load_avg_today_centi = v->number;
        break;
      case mib::kDeviceWritesCompleted:
        u.writes_completed = v->number;
        break;
      case mib::kDeviceBytesWritten:
        u.bytes_written = v->number;
        break;
      case mib::kDeviceStatus:
        u.status = v->number;
        break;
      case mib::kDeviceStatusText:
        u.status_text = std::move(v->text);
        break;
      default:
        break;  // checked, not stored (periscopeDeviceLastSampleTime)
    }
  }

  void DailyCell(int64_t index, uint32_t column, uint32_t date, const VarBind& vb) {
    auto rule = DailyColumns().find(column);
    if (rule == DailyColumns().end()) return;
    if (!IsValidDate(date) || date > options_.latest_date) {
      if (refused_days_.insert({index, date}).second) {
        Warn(index, "periscopeDailyDate",
             fmt::format("device {}: daily row dated {} is {}; row ignored", index, date,
                         IsValidDate(date) ? "after the poller's tomorrow" : "not a real date"));
      }
      return;
    }
    std::optional<Value> v = Check(vb, rule->second.syntax);
    if (!v) {
      Warn(index, rule->second.name,
           fmt::format("device {}: {} of {} is {}, expected {}; treated as missing", index,
                       rule->second.name, date, snmp::DescribeValue(vb),
                       Expected(rule->second.syntax)));
      return;
    }
    store::DailyRow& r = devices_[index].daily[date];
    r.date = date;
    switch (column) {
      case mib::kDailyLoadPeak:
        r.load_peak = v->number;
        break;
      case mib::kDailyLoadAvg:
        r.load_avg_centi = v->number;
        break;
      case mib::kDailyUsedBytes:
        r.used_bytes = v->number;
        break;
      case mib::kDailyIntervals:
        r.intervals = v->number;
        break;
      default:
        break;
    }
  }

  void BadIndex(int64_t index) {
    if (index == 0 && !warned_index_zero_) {
      warned_index_zero_ = true;
      Warn(0, "periscopeDeviceIndex", "device index 0 is outside 1..4294967295; row ignored");
    }
  }

  Result<DecodedTarget> Finish() {
    DecodedTarget out;
    size_t with_identity = 0;
    for (auto& [index, d] : devices_) {
      if (!d.record.serial_number.empty()) ++with_identity;
    }
    if (with_identity > options_.max_devices) {
      return ResourceExhaustedError(fmt::format(
          "the agent serves {} devices, more than the limit of {} per target; nothing stored",
          with_identity, options_.max_devices));
    }
    for (auto& [index, d] : devices_) {
      if (d.record.serial_number.empty()) {
        bool served = d.valid_columns.count(mib::kDeviceSerialNumber) != 0;
        Warn(index, "periscopeDeviceSerialNumber",
             fmt::format("device {}: serial number {}; device not stored (no identity)", index,
                         served ? "is empty" : "is missing or invalid"));
        continue;
      }
      bool complete = true;
      for (uint32_t c : kSpecColumns) complete = complete && d.valid_columns.count(c) != 0;
      if (complete) d.record.spec = d.spec;
      for (auto& [date, row] : d.daily) d.record.daily.push_back(row);
      out.devices.push_back(std::move(d.record));
    }
    if (warning_count_ > warnings_.size()) {
      warnings_.push_back(
          {0, "", fmt::format("{} more warnings not stored", warning_count_ - warnings_.size())});
    }
    out.warnings = std::move(warnings_);
    return out;
  }

 private:
  const DecodeOptions& options_;
  std::map<int64_t, PartialDevice> devices_;
  std::set<std::pair<int64_t, uint32_t>> refused_days_;
  std::vector<store::PollWarning> warnings_;
  size_t warning_count_ = 0;
  bool warned_index_zero_ = false;
};

}  // namespace

Result<DecodedTarget> DecodeDevices(const std::vector<VarBind>& varbinds,
                                    const DecodeOptions& options) {
  const mib::OidVector objects = mib::Oid({mib::kObjects});
  const size_t base = objects.size();
  Decoder decoder(options);
  for (const VarBind& vb : varbinds) {
    const auto& o = vb.oid;
    if (o.size() < base + 4 || !std::equal(objects.begin(), objects.end(), o.begin())) continue;
    uint32_t table = o[base];
    if (o[base + 1] != mib::kEntry) continue;
    uint32_t column = o[base + 2];
    int64_t index = o[base + 3];
    if (table == mib::kDeviceTable && o.size() == base + 4) {
      if (index == 0) {
        decoder.BadIndex(index);
        continue;
      }
      decoder.DeviceCell(index, column, vb);
    } else if (table == mib::kDailyTable && o.size() == base + 5) {
      if (index == 0) {
        decoder.BadIndex(index);
        continue;
      }
      decoder.DailyCell(index, column, o[base + 4], vb);
    }
  }
  return decoder.Finish();
}

}  // namespace periscope::poller
