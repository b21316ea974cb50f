// The proposal rules of seed 001 paragraph 0048, as pure functions: from a
// device's specification, its forecasts and the catalog to what the sales
// person should offer. No I/O; the run stores the drafts with
// store::SyncDeviceProposals, which decides what is new, changed or unchanged
// by the drafts' material_key. Thread-safe: every function is pure.
//
// Rules, for a device that is not retired, has a specification and whose
// model is in the catalog:
//  - capacity: when the warning threshold (DeviceView::capacity.crossings[0])
//    is forecast within `planning_horizon_days` of today, or is already
//    passed. Sized so that used bytes stay under the threshold until
//    max(today + growth_months, the threshold date): the predicted used bytes
//    on that date (read from the forecast's projection, linearly interpolated)
//    divided by the threshold share, minus the capacity now, is what must be
//    added. Of the model's add-ons, the one whose quantity ceil(needed / size)
//    costs least is chosen (ties: fewer units, then the larger unit). Needed by
//    the threshold date, or today when it is already passed.
//  - cache: when the peak load of the last `recent_load_days` days (the max of
//    the daily peaks) is at least `load_near_rated_pct` of the catalog's rated
//    load, or the load forecast (DeviceView::load, crossings[0]) reaches its
//    level within the planning horizon. The largest cache option that still
//    fits under the model's maximum cache is proposed (quantity 1); when the
//    cache is already at the maximum, or no option fits, a `successor` (the
//    catalog's successor model, quantity 1) is proposed instead.
//  - firmware: when the device's firmware is older than the catalog's latest
//    (CompareFirmwareVersions); confidence high, no needed-by date.
//
// Confidence of a forecast-driven proposal, from the crossing's interval
// (upper_days - lower_days) relative to the point estimate `days`: high when
// the width is at most 25% of days, medium at most 60%, low beyond that or
// when the interval has no upper bound (the slow end never gets there within
// the horizon). A need observed now (threshold already passed, recent peak
// already near the rated load) is high.
#ifndef PERISCOPE_REPORTS_PROPOSALS_H_
#define PERISCOPE_REPORTS_PROPOSALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/catalog.h"
#include "reports/forecast.h"
#include "reports/report_model.h"
#include "store/report_data.h"

namespace periscope::reports {

// Peripheral rules (ProposeForPeripheral), for a device with a specification
// whose model is in the catalog (<printer>/<copier>, <host>, <switch>):
//  - volume (printers, copiers): the monthly page volume (the sum of the daily
//    "pages" totals over all markers in the trailing 30 days, scaled up when
//    days are missing) at or above the model's recommended volume now, or its
//    forecast (forecast::ForecastSeries of the trailing sums) crossing it
//    within the horizon: the successor model (or, without one, the cheapest
//    faster model of the same element whose recommended volume is higher),
//    quantity 1, needed by the crossing date (today when already over).
//  - supply-<index> (printers, copiers): per supply (metric supply_level_pct,
//    the day's minimum), the level at or below `supply_low_pct` now, or the
//    consumed share (100 - level, a replacement starting a new segment)
//    forecast to reach 100 - supply_low_pct within the horizon: the catalog
//    supply whose `match` is found in the supply's description (then type),
//    quantity 1, needed by the run-out date minus `supply_lead_days` (ordered
//    ahead; today at the earliest).
//  - host-storage (PCs): per fixed-disk storage (storage_used_bytes against
//    storage_size_bytes; memory and swap are left out), sized exactly as the
//    capacity rule with the model's storage upgrades; the storage that reaches
//    the threshold first.
//  - host-cpu (PCs): the daily peak of cpu_load_pct (instance "all") in the
//    last `recent_load_days` days at or above `cpu_near_pct`, or forecast
//    (forecast::ForecastLoad against 100) to reach it within the horizon: the
//    model's cpu-upgrade.
//  - link (LAN equipment): per interface, the daily peak utilisation (the
//    larger of in and out, MetricDay::PeakUtilisationPct) in the recent window
//    at or above `link_near_pct`, or forecast to reach it within the horizon:
//    the switch's successor; the interface that gets there first.
// Evidence, confidence (ConfidenceOf; a need observed now is high) and
// material_key ("kind|product|quantity|due, dated or none") as for devices.
struct ProposalRules {
  double threshold_pct = 85;        // informational: the forecast's crossings[0] is the threshold
  int planning_horizon_days = 180;  // propose when the need falls within this many days
  int growth_months = 12;           // capacity add-ons cover this much growth
  double load_near_rated_pct = 80;  // recent peak at this share of the rated load
  int recent_load_days = 14;        // the window of "recent" daily peaks
  double supply_low_pct = 5;        // a supply at this level counts as run out
  int supply_lead_days = 14;        // supplies are ordered this long before they run out
  double cpu_near_pct = 90;         // host CPU daily peak near its limit
  double link_near_pct = 80;        // link daily peak utilisation near its speed
  forecast::Options forecast;       // for the peripheral forecasts (min_days, horizon)
};

struct ProposalDraft {
  // capacity, cache, successor, firmware; volume, supply-<N>, host-storage,
  // host-cpu, link
  std::string kind;
  std::string product_number, product_name;
  int64_t quantity = 1;
  int64_t unit_price_minor_units = 0;
  int64_t price_minor_units = 0;  // quantity * unit price
  std::string currency;
  std::optional<uint32_t> needed_by;  // YYYYMMDD
  std::string confidence;             // high, medium, low
  std::string summary;                // one line: why (untrusted catalog text inside)
  std::string evidence_json;          // the figures behind it (an ordered JSON object)
  // What makes two drafts the same proposal: kind, product, quantity and the
  // ISO week of needed_by ("due" when the need is already here, "none" without
  // a date). A different key on the next run is a material change.
  std::string material_key;
};

struct DeviceProposals {
  std::vector<ProposalDraft> drafts;  // at most one per kind
  // Why a rule could not be applied (no spec, model not in the catalog, no
  // add-on in the catalog, no successor ...), one sentence each, for the run's log.
  std::vector<std::string> skipped;
};

// Applies the rules to one device. `today` is YYYYMMDD.
DeviceProposals ProposeForDevice(const DeviceView& device, const Catalog& catalog,
                                 const ProposalRules& rules, uint32_t today);

// Applies the peripheral rules (above) to `device.peripheral`; nothing for a
// device without one. `today` is YYYYMMDD.
DeviceProposals ProposeForPeripheral(const DeviceView& device, const Catalog& catalog,
                                     const ProposalRules& rules, uint32_t today);

// The peripheral part of a device's view from its store history: the newest
// specification, the metric days up to `today` and the alerts. Nullopt for a
// PERISCOPE-MIB device.
std::optional<PeripheralView> ToPeripheralView(const store::DeviceHistory& history, uint32_t today);

// "high", "medium" or "low" for a crossing, as described above.
std::string ConfidenceOf(const forecast::Crossing& crossing);

// The forecast value `days_ahead` days after the series' last day, linearly
// interpolated between projection points (extrapolated from the last two past
// the end; from the last value and the first crossing when there is no
// projection). Nullopt when the forecast has no model.
std::optional<double> ProjectedValue(const forecast::SeriesForecast& series, double days_ahead);

// ISO 8601 week of a YYYYMMDD date, "2027-W09".
std::string IsoWeek(uint32_t date);

}  // namespace periscope::reports

#endif  // PERISCOPE_REPORTS_PROPOSALS_H_
