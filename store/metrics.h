// Peripherals (issue 7): printers and copiers (Printer-MIB), PCs and servers
// (HOST-RESOURCES-MIB) and LAN equipment (IF-MIB), read through their own
// standard agents. The poller decodes a walk into PeripheralRecords; the store
// keeps each reading (metric_samples), the previous reading of every metric
// (metric_last) and daily aggregates computed from successive readings
// (metric_daily). Counter resets, 32-bit wraps, agent restarts and clock steps
// are detected: usage is never negative and never invented.
#ifndef PERISCOPE_STORE_METRICS_H_
#define PERISCOPE_STORE_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace periscope::store {

// A poll target's kind: which MIB the poller walks and decodes. Stored as
// the name ("periscope", "printer", "host", "network") in targets.kind and
// devices.kind.
enum class DeviceKind { kPeriscope, kPrinter, kHost, kNetwork };
std::string_view DeviceKindName(DeviceKind kind);
// nullopt for anything but the four names (case-sensitive).
std::optional<DeviceKind> ParseDeviceKind(std::string_view name);

// How successive readings of one metric become daily figures.
enum class MetricType {
  // A level (toner percent, sheets in a tray, bytes used, CPU percent): the
  // day's min, max, mean and last reading.
  kGauge,
  // SNMP Counter32: a decrease is a wrap at 2^32 when the wrapped delta is
  // plausible (at most capacity_per_s x seconds when the capacity is known,
  // else less than 2^31), otherwise a reset.
  kCounter32,
  // SNMP Counter64: a decrease is a reset (a 64-bit counter does not wrap in
  // the life of a device).
  kCounter64,
  // A count that only grows (prtMarkerLifeCount): a decrease is a reset
  // (a replaced engine or controller).
  kLifeCount,
};

// Metric names as stored (metric_samples.metric, metric_daily.metric).
// Printers and copiers. Instance: the marker index for pages, the supply index
// for supplies, the input (tray) index for trays.
inline constexpr std::string_view kMetricPages = "pages";  // kLifeCount, impressions or sheets
inline constexpr std::string_view kMetricSupplyLevelPct = "supply_level_pct";  // kGauge 0..100
inline constexpr std::string_view kMetricTrayLevel = "tray_level";  // kGauge, the tray's unit
// Hosts. Instance: hrStorageDescr for storage ("/", "Physical memory"), the
// hrDeviceIndex for one processor and "all" for the mean over processors.
inline constexpr std::string_view kMetricStorageUsedBytes = "storage_used_bytes";  // kGauge
inline constexpr std::string_view kMetricStorageSizeBytes = "storage_size_bytes";  // kGauge
inline constexpr std::string_view kMetricCpuLoadPct = "cpu_load_pct";              // kGauge 0..100
// LAN equipment. Instance: the interface's ifName (ifDescr, or "ifIndex N",
// when ifName is empty; "#N" appended to a name two interfaces share).
inline constexpr std::string_view kMetricIfInOctets = "if_in_octets";    // kCounter64 or 32
inline constexpr std::string_view kMetricIfOutOctets = "if_out_octets";  // kCounter64 or 32

// One value read in one poll.
struct MetricReading {
  std::string metric;
  std::string instance;  // at most 255 bytes of clean UTF-8
  MetricType type = MetricType::kGauge;
  // Gauges are >= 0 and fit int64; counters use all 64 bits (stored
  // bit-cast to int64 and cast back).
  uint64_t value = 0;
  // Counters: the most one second can add (octets/s from the interface
  // speed), used to judge wraps and utilisation; nullopt: unknown.
  std::optional<double> capacity_per_s;
  bool operator==(const MetricReading&) const = default;
};

// The stable description of a peripheral. A new peripheral_specs row is
// written whenever any field differs from the latest (as device_specs).
struct PeripheralSpec {
  std::string model;         // at most 255 bytes, never empty
  std::string model_source;  // entPhysicalModelName, hrDeviceDescr or sysDescr
  std::string description;   // sysDescr
  std::string firmware;      // entPhysicalFirmwareRev/SoftwareRev, or ""
  // Stable configuration only (no levels or counters), as compact JSON with
  // sorted keys: printers {"markers":[{"index","unit"}], "trays":[{"index",
  // "name","media","unit","max"}], "supplies":[{"index","description","type",
  // "unit","max"}]}; hosts {"storage":[{"descr","type","size_bytes"}],
  // "processors":N}; network {"interfaces":[{"name","index","speed_mbps",
  // "counter_bits"}]}.
  std::string details_json;
  bool operator==(const PeripheralSpec&) const = default;
};

// A row of prtAlertTable as served (the current alerts of a printer).
struct DeviceAlert {
  int64_t index = 0;        // prtAlertIndex
  std::string severity;     // other, critical, warning, warningBinaryChangeEvent
  std::string group;        // PrtAlertGroupTC name (input, marker, markerSupplies ...)
  int64_t group_index = 0;  // prtAlertGroupIndex (-1 when none)
  std::string code;         // PrtAlertCodeTC name (jam, subunitEmpty ...), or the number
  std::string description;  // prtAlertDescription, at most 255 bytes
  bool operator==(const DeviceAlert&) const = default;
};

// One peripheral as read from its agent. Identity: target + device_index +
// serial_number, as for PERISCOPE-MIB devices.
struct PeripheralRecord {
  DeviceKind kind = DeviceKind::kPrinter;
  int64_t device_index = 1;            // hrDeviceIndex for printers; 1 for hosts and network
  std::string serial_number;           // never empty: the served serial or a stable substitute
  std::optional<PeripheralSpec> spec;  // nullopt: not enough arrived (no spec row written)
  // sysUpTime in centiseconds; a decrease since the previous poll means the
  // agent restarted, so every counter of the device starts a new baseline.
  std::optional<int64_t> uptime_cs;
  std::vector<MetricReading> readings;
  // The printer's current prtAlertTable (replaces the stored set); empty for
  // other kinds.
  std::vector<DeviceAlert> alerts;
};

// One metric instance's figures for one day (the poller's local date).
struct MetricDay {
  std::string metric, instance;
  int64_t date = 0;     // YYYYMMDD
  int64_t samples = 0;  // readings that day
  // Gauges (for counters: the raw readings).
  std::optional<double> min, max, mean, last;
  // Counters: the sum of valid deltas attributed to this day (a delta that
  // spans midnight is split in proportion to the seconds on each side), how
  // many intervals and seconds they cover, the largest single-interval delta
  // and rate, the latest capacity, and how many intervals were refused
  // (reset, restart, clock step).
  double total = 0;
  int64_t intervals = 0;
  int64_t covered_s = 0;
  std::optional<double> peak_delta;
  std::optional<int64_t> peak_interval_s;
  std::optional<double> peak_rate_per_s;
  std::optional<double> capacity_per_s;
  int64_t discontinuities = 0;

  // Interface utilisation in percent of capacity_per_s; nullopt when the
  // capacity is unknown or nothing was covered.
  std::optional<double> PeakUtilisationPct() const;
  std::optional<double> MeanUtilisationPct() const;
};

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_METRICS_H_
