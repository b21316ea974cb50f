#include "reports/proposals.h"

#include "reports/proposal_text.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace periscope::reports {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr double kDaysPerMonth = 365.2425 / 12.0;
// A quantity beyond this is not a sensible add-on order; the device needs a
// different product (reported as skipped).
constexpr int64_t kMaxAddonUnits = 1000;

std::string FitLabel(forecast::FitKind kind) { return std::string(forecast::FitName(kind)); }

ordered_json OptionalNumber(const std::optional<double>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json IntervalJson(const forecast::Crossing& c) {
  ordered_json j;
  j["level"] = 0.8;
  j["lower_days"] = OptionalNumber(c.lower_days);
  j["upper_days"] = OptionalNumber(c.upper_days);
  return j;
}

// What the customer would buy, and whether it is needed now; the date itself
// is compared with a tolerance by the store (ProposalDraftRow).
std::string MaterialKey(const ProposalDraft& d, bool due_now) {
  std::string when = due_now ? "due" : (d.needed_by ? "dated" : "none");
  return fmt::format("{}|{}|{}|{}", d.kind, d.product_number, d.quantity, when);
}

// Saturating quantity * unit price.
int64_t Total(int64_t quantity, int64_t unit_price) {
  if (unit_price != 0 && quantity > std::numeric_limits<int64_t>::max() / unit_price) {
    return std::numeric_limits<int64_t>::max();
  }
  return quantity * unit_price;
}

struct Context {
  const DeviceView& device;
  const SpecView& spec;
  const Product& product;
  const Catalog& catalog;
  const ProposalRules& rules;
  uint32_t today;
  int64_t today_day;
  DeviceProposals& out;
};

// Days from today until `days_after_last` days after the series' last day.
double DaysFromToday(const forecast::SeriesForecast& s, double days_after_last, int64_t today_day) {
  return static_cast<double>(s.last_day - today_day) + days_after_last;
}

uint32_t DateAfter(int64_t today_day, double days_from_today) {
  return DateFromDays(today_day + static_cast<int64_t>(std::floor(days_from_today)));
}

void ProposeCapacity(const Context& c) {
  const forecast::SeriesForecast& f = c.device.capacity;
  if (!f.ok || f.crossings.empty()) return;  // no forecast: nothing to propose, the report says why
  const forecast::Crossing& threshold = f.crossings[0];
  const double threshold_share = c.device.threshold_pct / 100.0;
  bool passed = f.last_value >= threshold.level || (threshold.days && *threshold.days <= 0);
  std::optional<double> days_to_threshold;  // from today
  if (passed) {
    days_to_threshold = 0;
  } else if (threshold.days) {
    days_to_threshold = std::max(0.0, DaysFromToday(f, *threshold.days, c.today_day));
  }
  if (!days_to_threshold || *days_to_threshold > c.rules.planning_horizon_days) return;
  if (c.product.capacity_addons.empty()) {
    c.out.skipped.push_back(fmt::format(
        "capacity add-on needed within {:.0f} days but the catalog has no add-on for model '{}'",
        *days_to_threshold, c.product.model));
    return;
  }

  const double growth_days = c.rules.growth_months * kDaysPerMonth;
  const double target_days = std::max(growth_days, *days_to_threshold);  // from today
  const double target_after_last = target_days - static_cast<double>(f.last_day - c.today_day);
  std::optional<double> predicted = ProjectedValue(f, target_after_last);
  if (!predicted) return;
  const double capacity_now = c.spec.capacity_bytes > 0 ? static_cast<double>(c.spec.capacity_bytes)
                                                        : threshold.level / threshold_share;
  const double needed_capacity = *predicted / threshold_share;
  const double to_add = std::max(needed_capacity - capacity_now, 1.0);

  const CapacityAddon* best = nullptr;
  int64_t best_units = 0;
  int64_t best_price = 0;
  for (const CapacityAddon& a : c.product.capacity_addons) {
    double units_d = std::ceil(to_add / static_cast<double>(a.size_bytes));
    if (units_d > static_cast<double>(kMaxAddonUnits)) continue;
    auto units = std::max<int64_t>(1, static_cast<int64_t>(units_d));
    int64_t price = Total(units, a.price_minor_units);
    bool better =
        best == nullptr || price < best_price ||
        (price == best_price &&
         (units < best_units || (units == best_units && a.size_bytes > best->size_bytes)));
    if (better) {
      best = &a;
      best_units = units;
      best_price = price;
    }
  }
  if (best == nullptr) {
    c.out.skipped.push_back(
        fmt::format("capacity: {} must be added, more than {} units of any add-on for model '{}'",
                    ProposalBytes(to_add), kMaxAddonUnits, c.product.model));
    return;
  }

  ProposalDraft d;
  d.kind = "capacity";
  d.product_number = best->product_number;
  d.product_name = best->name;
  d.quantity = best_units;
  d.unit_price_minor_units = best->price_minor_units;
  d.price_minor_units = best_price;
  d.currency = c.product.currency;
  d.needed_by = passed ? c.today : DateAfter(c.today_day, *days_to_threshold);
  d.confidence = passed ? "high" : ConfidenceOf(threshold);
  const uint32_t target_date = DateAfter(c.today_day, target_days);
  if (passed) {
    d.summary = fmt::format(
        "Used capacity {} is past {:g}% of {}; add {} x {} to cover growth until {}.",
        ProposalBytes(f.last_value), c.device.threshold_pct, ProposalBytes(capacity_now),
        best_units, ProposalBytes(static_cast<double>(best->size_bytes)),
        ProposalDate(target_date));
  } else {
    d.summary = fmt::format(
        "Used capacity reaches {:g}% of {} in about {:.0f} days ({}); add {} x {} to cover growth "
        "until {}.",
        c.device.threshold_pct, ProposalBytes(capacity_now), *days_to_threshold,
        ProposalDate(*d.needed_by), best_units,
        ProposalBytes(static_cast<double>(best->size_bytes)), ProposalDate(target_date));
  }
  ordered_json e;
  e["used_bytes"] = f.last_value;
  e["capacity_bytes"] = capacity_now;
  e["threshold_pct"] = c.device.threshold_pct;
  e["threshold_bytes"] = threshold.level;
  e["days_to_threshold"] = *days_to_threshold;
  e["threshold_date"] = ProposalDate(*d.needed_by);
  e["interval"] = IntervalJson(threshold);
  e["fit"] = FitLabel(f.model.kind);
  e["holdout_error_bytes"] = f.holdout_error;
  e["last_day"] = ProposalDate(DateFromDays(f.last_day));
  e["growth_months"] = c.rules.growth_months;
  e["growth_until"] = ProposalDate(target_date);
  e["predicted_used_bytes"] = *predicted;
  e["needed_capacity_bytes"] = needed_capacity;
  e["add_bytes"] = to_add;
  e["addon_size_bytes"] = best->size_bytes;
  e["addon_quantity"] = best_units;
  d.evidence_json = e.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  d.material_key = MaterialKey(d, passed);
  c.out.drafts.push_back(std::move(d));
}

void ProposeLoad(const Context& c) {
  if (c.product.rated_load == 0) return;
  const auto rated = static_cast<double>(c.product.rated_load);
  const double near_level = rated * c.rules.load_near_rated_pct / 100.0;
  std::optional<int64_t> recent_peak;
  std::optional<uint32_t> recent_peak_date;
  const int64_t window_start = c.today_day - c.rules.recent_load_days + 1;
  for (const DayFigures& day : c.device.history) {
    if (!day.load_peak || !IsValidDate(day.date)) continue;
    int64_t d = DaysFromDate(day.date);
    if (d < window_start || d > c.today_day) continue;
    if (!recent_peak || *day.load_peak > *recent_peak) {
      recent_peak = day.load_peak;
      recent_peak_date = day.date;
    }
  }
  const bool near_now = recent_peak && static_cast<double>(*recent_peak) >= near_level;
  std::optional<double> days_to_level;  // from today, from the load forecast
  const forecast::Crossing* crossing = nullptr;
  if (c.device.load && c.device.load->ok && !c.device.load->crossings.empty()) {
    crossing = &c.device.load->crossings[0];
    if (crossing->days) {
      days_to_level = std::max(0.0, DaysFromToday(*c.device.load, *crossing->days, c.today_day));
    }
  }
  const bool forecast_soon = days_to_level && *days_to_level <= c.rules.planning_horizon_days;
  if (!near_now && !forecast_soon) return;

  ProposalDraft d;
  d.currency = c.product.currency;
  d.needed_by = near_now ? c.today : DateAfter(c.today_day, *days_to_level);
  d.confidence = near_now ? "high" : ConfidenceOf(*crossing);
  d.quantity = 1;

  // The largest option that still fits under the maximum cache.
  const CacheOption* option = nullptr;
  const auto cache_now = static_cast<uint64_t>(std::max<int64_t>(0, c.spec.cache_bytes));
  for (const CacheOption& o : c.product.cache_options) {
    if (cache_now >= c.product.max_cache_bytes) break;
    if (o.size_bytes > c.product.max_cache_bytes - cache_now) continue;
    if (option == nullptr || o.size_bytes > option->size_bytes ||
        (o.size_bytes == option->size_bytes && o.price_minor_units < option->price_minor_units)) {
      option = &o;
    }
  }
  std::string why =
      near_now
          ? fmt::format("Peak load {} in the last {} days is {:.0f}% of the rated {}", *recent_peak,
                        c.rules.recent_load_days, 100.0 * static_cast<double>(*recent_peak) / rated,
                        c.product.rated_load)
          : fmt::format(
                "Peak load is forecast to reach {:g}% of the rated {} in about {:.0f} "
                "days ({})",
                c.device.rated_pct, c.product.rated_load, *days_to_level,
                ProposalDate(*d.needed_by));
  ordered_json e;
  e["rated_load"] = c.product.rated_load;
  e["near_rated_pct"] = c.rules.load_near_rated_pct;
  e["recent_days"] = c.rules.recent_load_days;
  e["recent_peak"] = recent_peak ? ordered_json(*recent_peak) : ordered_json(nullptr);
  e["recent_peak_date"] =
      recent_peak_date ? ordered_json(ProposalDate(*recent_peak_date)) : ordered_json(nullptr);
  if (crossing != nullptr) {
    e["forecast_level"] = crossing->level;
    e["days_to_level"] = OptionalNumber(days_to_level);
    e["interval"] = IntervalJson(*crossing);
    e["fit"] = FitLabel(c.device.load->model.kind);
    e["holdout_error"] = c.device.load->holdout_error;
  }
  e["cache_bytes"] = cache_now;
  e["max_cache_bytes"] = c.product.max_cache_bytes;

  if (option != nullptr) {
    d.kind = "cache";
    d.product_number = option->product_number;
    d.product_name = option->name;
    d.unit_price_minor_units = option->price_minor_units;
    d.summary = fmt::format("{}; add {} cache ({} now, at most {}).", why,
                            ProposalBytes(static_cast<double>(option->size_bytes)),
                            ProposalBytes(static_cast<double>(cache_now)),
                            ProposalBytes(static_cast<double>(c.product.max_cache_bytes)));
    e["cache_option_bytes"] = option->size_bytes;
  } else {
    const Product* successor =
        c.product.successor.empty() ? nullptr : c.catalog.Find(c.product.successor);
    if (successor == nullptr) {
      c.out.skipped.push_back(fmt::format(
          "load near the rated load but model '{}' has no cache option that fits and no successor",
          c.product.model));
      return;
    }
    d.kind = "successor";
    d.product_number = successor->product_number;
    d.product_name = successor->name;
    d.unit_price_minor_units = successor->price_minor_units;
    d.currency = successor->currency;
    d.summary = fmt::format("{}; the cache is at its maximum ({}): replace with the {} (rated {}).",
                            why, ProposalBytes(static_cast<double>(cache_now)), successor->model,
                            successor->rated_load);
    e["successor_model"] = successor->model;
    e["successor_rated_load"] = successor->rated_load;
  }
  d.price_minor_units = d.unit_price_minor_units;
  d.evidence_json = e.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  d.material_key = MaterialKey(d, near_now);
  c.out.drafts.push_back(std::move(d));
}

void ProposeFirmware(const Context& c) {
  if (!c.product.latest_firmware) return;
  const FirmwareRelease& latest = *c.product.latest_firmware;
  if (c.spec.firmware.empty() || CompareFirmwareVersions(c.spec.firmware, latest.version) >= 0) {
    return;
  }
  ProposalDraft d;
  d.kind = "firmware";
  d.product_number = latest.product_number;
  d.product_name = fmt::format("Firmware {} for {}", latest.version, c.product.model);
  d.quantity = 1;
  d.unit_price_minor_units = latest.price_minor_units;
  d.price_minor_units = latest.price_minor_units;
  d.currency = c.product.currency;
  d.confidence = "high";
  d.summary = fmt::format("Runs firmware {}; {} was released on {}.", c.spec.firmware,
                          latest.version, ProposalDate(latest.date));
  ordered_json e;
  e["firmware"] = c.spec.firmware;
  e["latest_firmware"] = latest.version;
  e["latest_date"] = ProposalDate(latest.date);
  d.evidence_json = e.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  // The version is part of the key: a newer release is a material change.
  d.material_key = MaterialKey(d, false) + "|" + latest.version;
  c.out.drafts.push_back(std::move(d));
}

}  // namespace

std::string ConfidenceOf(const forecast::Crossing& crossing) {
  if (!crossing.days) return "low";
  if (*crossing.days <= 0) return "high";
  if (!crossing.upper_days) return "low";
  double lower = crossing.lower_days.value_or(0.0);
  double width = std::max(0.0, *crossing.upper_days - lower);
  double share = width / *crossing.days;
  if (share <= 0.25) return "high";
  if (share <= 0.60) return "medium";
  return "low";
}

std::optional<double> ProjectedValue(const forecast::SeriesForecast& series, double days_ahead) {
  if (!series.ok) return std::nullopt;
  const double day = static_cast<double>(series.last_day) + days_ahead;
  const std::vector<forecast::ProjectionPoint>& p = series.projection;
  if (p.size() >= 2) {
    if (day <= p.front().day) return p.front().value;
    for (size_t i = 1; i < p.size(); ++i) {
      if (day <= p[i].day) {
        double span = p[i].day - p[i - 1].day;
        if (span <= 0) return p[i].value;
        double t = (day - p[i - 1].day) / span;
        return p[i - 1].value + t * (p[i].value - p[i - 1].value);
      }
    }
    const forecast::ProjectionPoint& a = p[p.size() - 2];
    const forecast::ProjectionPoint& b = p.back();
    if (b.day <= a.day) return b.value;
    return b.value + (day - b.day) * (b.value - a.value) / (b.day - a.day);
  }
  if (p.size() == 1 && day <= p[0].day) return p[0].value;
  // No usable projection: the straight line from the last value through the
  // first crossing, or flat when nothing is crossed.
  if (!series.crossings.empty() && series.crossings[0].days && *series.crossings[0].days > 0) {
    double slope = (series.crossings[0].level - series.last_value) / *series.crossings[0].days;
    return series.last_value + slope * days_ahead;
  }
  return series.last_value;
}

std::string IsoWeek(uint32_t date) {
  const int64_t day = DaysFromDate(date);
  // 1970-01-01 was a Thursday; weekday 1 = Monday ... 7 = Sunday.
  const int64_t weekday = ((day + 3) % 7 + 7) % 7 + 1;
  const int64_t thursday = day - weekday + 4;  // the ISO week belongs to its Thursday's year
  const uint32_t thursday_date = DateFromDays(thursday);
  const uint32_t year = thursday_date / 10000;
  const int64_t day_of_year = thursday - DaysFromDate(year * 10000 + 101);
  return fmt::format("{:04}-W{:02}", year, day_of_year / 7 + 1);
}

DeviceProposals ProposeForDevice(const DeviceView& device, const Catalog& catalog,
                                 const ProposalRules& rules, uint32_t today) {
  DeviceProposals out;
  if (device.retired) {
    out.skipped.push_back("device is retired");
    return out;
  }
  if (!device.spec) {
    out.skipped.push_back("no specification has been polled for the device");
    return out;
  }
  const Product* product = catalog.Find(device.spec->model);
  if (product == nullptr) {
    out.skipped.push_back(fmt::format("model '{}' is not in the catalog", device.spec->model));
    return out;
  }
  if (!IsValidDate(today)) {
    out.skipped.push_back(fmt::format("today {} is not a valid date", today));
    return out;
  }
  Context c{device, *device.spec, *product, catalog, rules, today, DaysFromDate(today), out};
  ProposeCapacity(c);
  ProposeLoad(c);
  ProposeFirmware(c);
  return out;
}

}  // namespace periscope::reports
