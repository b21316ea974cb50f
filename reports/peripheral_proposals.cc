// The peripheral proposal rules (reports/proposals.h, ProposeForPeripheral).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/strings.h"
#include "reports/proposal_text.h"
#include "reports/proposals.h"

namespace periscope::reports {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr double kDaysPerMonth = 365.2425 / 12.0;
constexpr int64_t kMaxUnits = 1000;
constexpr int kVolumeWindowDays = 30;
// A trailing sum over fewer days than this is too short to scale to a month.
constexpr int kMinVolumeWindowDays = 7;

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

std::string Dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string MaterialKey(const ProposalDraft& d, bool due_now) {
  std::string when = due_now ? "due" : (d.needed_by ? "dated" : "none");
  return fmt::format("{}|{}|{}|{}", d.kind, d.product_number, d.quantity, when);
}

int64_t Total(int64_t quantity, int64_t unit_price) {
  if (unit_price != 0 && quantity > std::numeric_limits<int64_t>::max() / unit_price) {
    return std::numeric_limits<int64_t>::max();
  }
  return quantity * unit_price;
}

// A draft of `kind` for `quantity` units of one product at `unit_price`
// (minor units of `currency`); the caller adds dates, confidence and text.
ProposalDraft DraftOf(std::string kind, const std::string& product_number, const std::string& name,
                      int64_t quantity, int64_t unit_price, const std::string& currency) {
  ProposalDraft d;
  d.kind = std::move(kind);
  d.product_number = product_number;
  d.product_name = name;
  d.quantity = quantity;
  d.unit_price_minor_units = unit_price;
  d.price_minor_units = Total(quantity, unit_price);
  d.currency = currency;
  return d;
}

uint32_t DateAfter(int64_t today_day, double days_from_today) {
  return DateFromDays(today_day + static_cast<int64_t>(std::floor(days_from_today)));
}

struct PContext {
  const DeviceView& device;
  const PeripheralView& peripheral;
  const Catalog& catalog;
  const ProposalRules& rules;
  uint32_t today;
  int64_t today_day;
  DeviceProposals& out;
};

// One metric's days grouped by instance, each in date order, days after today
// and invalid dates left out.
std::map<std::string, std::vector<const store::MetricDay*>> ByInstance(const PContext& c,
                                                                       std::string_view metric) {
  std::map<std::string, std::vector<const store::MetricDay*>> out;
  for (const store::MetricDay& d : c.peripheral.metric_days) {
    if (d.metric != metric || !IsValidDate(static_cast<DateYmd>(d.date))) continue;
    if (DaysFromDate(static_cast<DateYmd>(d.date)) > c.today_day) continue;
    out[d.instance].push_back(&d);
  }
  for (auto& [instance, days] : out) {
    std::stable_sort(
        days.begin(), days.end(),
        [](const store::MetricDay* a, const store::MetricDay* b) { return a->date < b->date; });
  }
  return out;
}

int64_t DayOf(const store::MetricDay& d) { return DaysFromDate(static_cast<DateYmd>(d.date)); }

// When a forecast crossing falls, in days from today (>= 0); nullopt: not
// within the forecast's horizon.
std::optional<double> CrossingFromToday(const forecast::SeriesForecast& f, int64_t today_day) {
  if (!f.ok || f.crossings.empty() || !f.crossings[0].days) return std::nullopt;
  return std::max(0.0, static_cast<double>(f.last_day - today_day) + *f.crossings[0].days);
}

// What the rules found for one series: whether the need is here now, or when
// it is forecast (days from today), and the crossing behind the forecast.
struct Need {
  bool now = false;
  std::optional<double> days;  // from today; 0 when now
  std::optional<forecast::Crossing> crossing;
};

// The daily peaks' recent maximum and the ForecastLoad crossing of `pct` of 100.
struct PeakNeed {
  Need need;
  std::optional<double> recent_peak;
  std::optional<uint32_t> recent_peak_date;
  forecast::SeriesForecast forecast;
};

PeakNeed PeakAgainst(const PContext& c, const std::vector<forecast::LoadDay>& days, double pct) {
  PeakNeed p;
  const int64_t window_start = c.today_day - c.rules.recent_load_days + 1;
  for (const forecast::LoadDay& d : days) {
    if (!d.load_peak || d.day < window_start || d.day > c.today_day) continue;
    if (!p.recent_peak || *d.load_peak > *p.recent_peak) {
      p.recent_peak = d.load_peak;
      p.recent_peak_date = DateFromDays(d.day);
    }
  }
  p.forecast = forecast::ForecastLoad(days, 100.0, pct, c.rules.forecast);
  if (p.recent_peak && *p.recent_peak >= pct) {
    p.need.now = true;
    p.need.days = 0;
  } else if (auto days_to = CrossingFromToday(p.forecast, c.today_day)) {
    p.need.days = days_to;
    p.need.crossing = p.forecast.crossings[0];
  }
  return p;
}

bool WithinHorizon(const PContext& c, const Need& n) {
  return n.days && *n.days <= c.rules.planning_horizon_days;
}

std::string ConfidenceOfNeed(const Need& n) {
  if (n.now || !n.crossing) return "high";
  return ConfidenceOf(*n.crossing);
}

void AddForecastEvidence(ordered_json& e, const Need& n, const forecast::SeriesForecast& f) {
  e["due_now"] = n.now;
  e["days_to_need"] = OptionalNumber(n.days);
  if (n.crossing) e["interval"] = IntervalJson(*n.crossing);
  e["fit"] =
      f.ok ? ordered_json(std::string(forecast::FitName(f.model.kind))) : ordered_json(nullptr);
  if (f.ok) {
    e["holdout_error"] = f.holdout_error;
    e["last_day"] = ProposalDate(DateFromDays(f.last_day));
  } else {
    e["no_forecast"] = f.reason;
  }
}

// ---- printers and copiers ----

const PrinterProduct* FasterPrinter(const Catalog& catalog, const PrinterProduct& model) {
  if (!model.successor.empty()) return catalog.FindPrinter(model.successor);
  const PrinterProduct* best = nullptr;
  for (const PrinterProduct& p : catalog.printers) {
    if (p.copier != model.copier || p.recommended_monthly_pages <= model.recommended_monthly_pages)
      continue;
    if (best == nullptr || p.price_minor_units < best->price_minor_units) best = &p;
  }
  return best;
}

void ProposeVolume(const PContext& c, const PrinterProduct& model) {
  std::map<int64_t, double> pages_by_day;  // all markers
  for (const auto& [instance, days] : ByInstance(c, store::kMetricPages)) {
    for (const store::MetricDay* d : days) pages_by_day[DayOf(*d)] += d->total;
  }
  if (pages_by_day.empty()) return;
  std::vector<forecast::Sample> monthly;
  for (auto it = pages_by_day.begin(); it != pages_by_day.end(); ++it) {
    double sum = 0;
    int present = 0;
    for (auto back = it;; --back) {
      if (back->first <= it->first - kVolumeWindowDays) break;
      sum += back->second;
      ++present;
      if (back == pages_by_day.begin()) break;
    }
    if (present < kMinVolumeWindowDays) continue;
    monthly.push_back({it->first, sum * kVolumeWindowDays / present});
  }
  if (monthly.empty()) return;
  const auto recommended = static_cast<double>(model.recommended_monthly_pages);
  const double level = recommended;
  forecast::SeriesForecast f =
      forecast::ForecastSeries(monthly, std::span<const double>(&level, 1), {}, c.rules.forecast);
  Need n;
  const double monthly_now = monthly.back().value;
  if (monthly_now >= recommended) {
    n.now = true;
    n.days = 0;
  } else if (auto days_to = CrossingFromToday(f, c.today_day)) {
    n.days = days_to;
    n.crossing = f.crossings[0];
  }
  if (!WithinHorizon(c, n)) return;
  const PrinterProduct* faster = FasterPrinter(c.catalog, model);
  if (faster == nullptr) {
    c.out.skipped.push_back(fmt::format(
        "monthly page volume near the recommended {} but model '{}' has no faster successor",
        model.recommended_monthly_pages, model.model));
    return;
  }
  ProposalDraft d = DraftOf("volume", faster->product_number, faster->name, 1,
                            faster->price_minor_units, faster->currency);
  d.needed_by = n.now ? c.today : DateAfter(c.today_day, *n.days);
  d.confidence = ConfidenceOfNeed(n);
  std::string why =
      n.now ? fmt::format("{:.0f} pages in the last 30 days, over the {}'s recommended {} a month",
                          monthly_now, model.model, model.recommended_monthly_pages)
            : fmt::format(
                  "Monthly page volume ({:.0f} now) is forecast to exceed the {}'s "
                  "recommended {} in about {:.0f} days ({})",
                  monthly_now, model.model, model.recommended_monthly_pages, *n.days,
                  ProposalDate(*d.needed_by));
  d.summary =
      fmt::format("{}; replace with the {} ({} pages per minute, {} pages a month).", why,
                  faster->model, faster->pages_per_minute, faster->recommended_monthly_pages);
  ordered_json e;
  e["monthly_pages"] = monthly_now;
  e["recommended_monthly_pages"] = model.recommended_monthly_pages;
  e["duty_cycle_pages"] = model.duty_cycle_pages;
  e["pages_per_minute"] = model.pages_per_minute;
  AddForecastEvidence(e, n, f);
  e["successor_model"] = faster->model;
  e["successor_pages_per_minute"] = faster->pages_per_minute;
  d.evidence_json = Dump(e);
  d.material_key = MaterialKey(d, n.now);
  c.out.drafts.push_back(std::move(d));
}

// The spec's description and type of supply `index` ("" when unknown).
std::pair<std::string, std::string> SupplyText(const PeripheralView& p, int64_t index) {
  if (!p.spec) return {};
  auto details = nlohmann::json::parse(p.spec->details_json, nullptr, false);
  if (details.is_discarded() || !details.is_object()) return {};
  auto supplies = details.find("supplies");
  if (supplies == details.end() || !supplies->is_array()) return {};
  for (const auto& s : *supplies) {
    if (!s.is_object()) continue;
    auto i = s.find("index");
    if (i == s.end() || !i->is_number_integer() || i->get<int64_t>() != index) continue;
    std::string description, type;
    if (auto it = s.find("description"); it != s.end() && it->is_string()) {
      description = it->get<std::string>();
    }
    if (auto it = s.find("type"); it != s.end() && it->is_string()) type = it->get<std::string>();
    return {description, type};
  }
  return {};
}

const SupplyProduct* MatchSupply(const PrinterProduct& model, const std::string& description,
                                 const std::string& type) {
  for (const std::string& text : {AsciiLower(description), AsciiLower(type)}) {
    if (text.empty()) continue;
    for (const SupplyProduct& s : model.supplies) {
      if (!s.match.empty() && text.find(s.match) != std::string::npos) return &s;
    }
  }
  return nullptr;
}

std::optional<int64_t> PositiveInteger(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v > 0 ? std::optional<int64_t>(v) : std::nullopt;
}

void ProposeSupplies(const PContext& c, const PrinterProduct& model) {
  const double low = c.rules.supply_low_pct;
  for (const auto& [instance, days] : ByInstance(c, store::kMetricSupplyLevelPct)) {
    std::optional<int64_t> index = PositiveInteger(instance);
    if (!index) continue;
    std::vector<forecast::Sample> consumed;
    std::optional<double> level_now;
    for (const store::MetricDay* d : days) {
      std::optional<double> level = d->min ? d->min : d->last;
      if (!level) continue;
      consumed.push_back({DayOf(*d), 100.0 - *level});
      level_now = d->last ? d->last : level;
    }
    if (!level_now) continue;
    const double level = 100.0 - low;
    forecast::SeriesForecast f = forecast::ForecastSeries(
        consumed, std::span<const double>(&level, 1), {}, c.rules.forecast);
    Need n;
    if (*level_now <= low) {
      n.now = true;
      n.days = 0;
    } else if (auto days_to = CrossingFromToday(f, c.today_day)) {
      n.days = days_to;
      n.crossing = f.crossings[0];
    }
    if (!WithinHorizon(c, n)) continue;
    auto [description, type] = SupplyText(c.peripheral, *index);
    const SupplyProduct* supply = MatchSupply(model, description, type);
    if (supply == nullptr) {
      c.out.skipped.push_back(fmt::format(
          "supply {} ('{}') runs out within the horizon but no supply of model '{}' matches it",
          *index, description.empty() ? type : description, model.model));
      continue;
    }
    ProposalDraft d = DraftOf(fmt::format("supply-{}", *index), supply->product_number,
                              supply->name, 1, supply->price_minor_units, model.currency);
    const double order_in = std::max(0.0, *n.days - c.rules.supply_lead_days);
    const bool due = n.now || order_in <= 0;
    d.needed_by = due ? c.today : DateAfter(c.today_day, order_in);
    d.confidence = ConfidenceOfNeed(n);
    const std::string what = description.empty() ? type : description;
    d.summary = n.now
                    ? fmt::format("Supply '{}' is at {:.0f}% (run out at {:g}%); order {} now.",
                                  what, *level_now, low, supply->name)
                    : fmt::format(
                          "Supply '{}' at {:.0f}% is forecast to run out in about {:.0f} days "
                          "({}); order {} by {} ({} days ahead).",
                          what, *level_now, *n.days, ProposalDate(DateAfter(c.today_day, *n.days)),
                          supply->name, ProposalDate(*d.needed_by), c.rules.supply_lead_days);
    ordered_json e;
    e["supply_index"] = *index;
    e["supply_description"] = description;
    e["supply_type"] = type;
    e["level_pct"] = *level_now;
    e["run_out_pct"] = low;
    e["lead_days"] = c.rules.supply_lead_days;
    if (n.days) e["run_out_date"] = ProposalDate(DateAfter(c.today_day, *n.days));
    AddForecastEvidence(e, n, f);
    e["match"] = supply->match;
    e["page_yield"] = supply->page_yield;
    d.evidence_json = Dump(e);
    d.material_key = MaterialKey(d, due);
    c.out.drafts.push_back(std::move(d));
  }
}

// ---- hosts ----

// Storage that is memory or swap, not a disk: by hrStorageType name or the
// description.
bool IsMemoryStorage(const PeripheralView& p, const std::string& descr) {
  const std::string lower = AsciiLower(descr);
  if (lower.find("memory") != std::string::npos || lower.find("swap") != std::string::npos) {
    return true;
  }
  if (!p.spec) return false;
  auto details = nlohmann::json::parse(p.spec->details_json, nullptr, false);
  if (details.is_discarded() || !details.is_object()) return false;
  auto storage = details.find("storage");
  if (storage == details.end() || !storage->is_array()) return false;
  for (const auto& s : *storage) {
    if (!s.is_object()) continue;
    auto d = s.find("descr");
    auto t = s.find("type");
    if (d == s.end() || !d->is_string() || d->get<std::string>() != descr) continue;
    if (t == s.end() || !t->is_string()) return false;
    const std::string type = AsciiLower(t->get<std::string>());
    return type.find("ram") != std::string::npos || type.find("memory") != std::string::npos;
  }
  return false;
}

void ProposeHostStorage(const PContext& c, const HostProduct& model) {
  auto used = ByInstance(c, store::kMetricStorageUsedBytes);
  auto sizes = ByInstance(c, store::kMetricStorageSizeBytes);
  struct Candidate {
    std::string descr;
    forecast::SeriesForecast f;
    double days = 0;
    bool passed = false;
  };
  std::optional<Candidate> best;
  forecast::Options options = c.rules.forecast;
  options.threshold_pct = c.rules.threshold_pct;
  for (const auto& [descr, days] : used) {
    if (IsMemoryStorage(c.peripheral, descr)) continue;
    std::map<int64_t, double> size_by_day;
    if (auto it = sizes.find(descr); it != sizes.end()) {
      for (const store::MetricDay* d : it->second) {
        if (d->last && *d->last > 0) size_by_day[DayOf(*d)] = *d->last;
      }
    }
    std::vector<forecast::UsageDay> usage;
    for (const store::MetricDay* d : days) {
      forecast::UsageDay u;
      u.day = DayOf(*d);
      if (d->last) u.used_bytes = *d->last;
      auto s = size_by_day.upper_bound(u.day);
      if (s != size_by_day.begin()) u.capacity_bytes = std::prev(s)->second;
      usage.push_back(u);
    }
    forecast::SeriesForecast f = forecast::ForecastCapacity(usage, options);
    if (!f.ok || f.crossings.empty()) continue;
    const forecast::Crossing& threshold = f.crossings[0];
    bool passed = f.last_value >= threshold.level || (threshold.days && *threshold.days <= 0);
    std::optional<double> days_to =
        passed ? std::optional<double>(0.0) : CrossingFromToday(f, c.today_day);
    if (!days_to || *days_to > c.rules.planning_horizon_days) continue;
    if (!best || *days_to < best->days) best = Candidate{descr, std::move(f), *days_to, passed};
  }
  if (!best) return;
  if (model.storage_upgrades.empty()) {
    c.out.skipped.push_back(fmt::format(
        "storage '{}' nears {:g}% but the catalog has no storage upgrade for model '{}'",
        best->descr, c.rules.threshold_pct, model.model));
    return;
  }
  const forecast::SeriesForecast& f = best->f;
  const forecast::Crossing& threshold = f.crossings[0];
  const double share = c.rules.threshold_pct / 100.0;
  const double growth_days = c.rules.growth_months * kDaysPerMonth;
  const double target_days = std::max(growth_days, best->days);
  const double target_after_last = target_days - static_cast<double>(f.last_day - c.today_day);
  std::optional<double> predicted = ProjectedValue(f, target_after_last);
  if (!predicted) return;
  const double size_now = f.crossings.size() >= 2 ? f.crossings[1].level : threshold.level / share;
  const double needed = *predicted / share;
  const double to_add = std::max(needed - size_now, 1.0);
  const HostUpgrade* chosen = nullptr;
  int64_t units = 0, price = 0;
  for (const HostUpgrade& u : model.storage_upgrades) {
    const double units_d = std::ceil(to_add / static_cast<double>(u.size_bytes));
    if (units_d > static_cast<double>(kMaxUnits)) continue;
    const auto n = std::max<int64_t>(1, static_cast<int64_t>(units_d));
    const int64_t p = Total(n, u.price_minor_units);
    if (chosen == nullptr || p < price ||
        (p == price && (n < units || (n == units && u.size_bytes > chosen->size_bytes)))) {
      chosen = &u;
      units = n;
      price = p;
    }
  }
  if (chosen == nullptr) {
    c.out.skipped.push_back(fmt::format("storage '{}': {} must be added, more than {} units",
                                        best->descr, ProposalBytes(to_add), kMaxUnits));
    return;
  }
  ProposalDraft d = DraftOf("host-storage", chosen->product_number, chosen->name, units,
                            chosen->price_minor_units, model.currency);
  d.needed_by = best->passed ? c.today : DateAfter(c.today_day, best->days);
  d.confidence = best->passed ? "high" : ConfidenceOf(threshold);
  const uint32_t target_date = DateAfter(c.today_day, target_days);
  d.summary =
      best->passed
          ? fmt::format(
                "Storage '{}' uses {}, past {:g}% of {}; add {} x {} to cover growth "
                "until {}.",
                best->descr, ProposalBytes(f.last_value), c.rules.threshold_pct,
                ProposalBytes(size_now), units,
                ProposalBytes(static_cast<double>(chosen->size_bytes)), ProposalDate(target_date))
          : fmt::format(
                "Storage '{}' reaches {:g}% of {} in about {:.0f} days ({}); add {} x {} "
                "to cover growth until {}.",
                best->descr, c.rules.threshold_pct, ProposalBytes(size_now), best->days,
                ProposalDate(*d.needed_by), units,
                ProposalBytes(static_cast<double>(chosen->size_bytes)), ProposalDate(target_date));
  ordered_json e;
  e["storage"] = best->descr;
  e["used_bytes"] = f.last_value;
  e["size_bytes"] = size_now;
  e["threshold_pct"] = c.rules.threshold_pct;
  e["days_to_threshold"] = best->days;
  e["interval"] = IntervalJson(threshold);
  e["fit"] = std::string(forecast::FitName(f.model.kind));
  e["growth_until"] = ProposalDate(target_date);
  e["predicted_used_bytes"] = *predicted;
  e["add_bytes"] = to_add;
  e["upgrade_size_bytes"] = chosen->size_bytes;
  e["upgrade_quantity"] = units;
  d.evidence_json = Dump(e);
  d.material_key = MaterialKey(d, best->passed);
  c.out.drafts.push_back(std::move(d));
}

void ProposeHostCpu(const PContext& c, const HostProduct& model) {
  auto cpu = ByInstance(c, store::kMetricCpuLoadPct);
  std::map<int64_t, double> peak_by_day;
  if (auto all = cpu.find("all"); all != cpu.end()) {
    for (const store::MetricDay* d : all->second) {
      if (d->max) peak_by_day[DayOf(*d)] = *d->max;
    }
  } else {
    for (const auto& [instance, days] : cpu) {
      for (const store::MetricDay* d : days) {
        if (d->max) peak_by_day[DayOf(*d)] = std::max(peak_by_day[DayOf(*d)], *d->max);
      }
    }
  }
  if (peak_by_day.empty()) return;
  std::vector<forecast::LoadDay> days;
  for (const auto& [day, peak] : peak_by_day) days.push_back({day, peak});
  PeakNeed p = PeakAgainst(c, days, c.rules.cpu_near_pct);
  if (!WithinHorizon(c, p.need)) return;
  if (!model.cpu_upgrade) {
    c.out.skipped.push_back(
        fmt::format("CPU peak near {:g}% but the catalog has no cpu-upgrade for model '{}'",
                    c.rules.cpu_near_pct, model.model));
    return;
  }
  const HostUpgrade& u = *model.cpu_upgrade;
  ProposalDraft d =
      DraftOf("host-cpu", u.product_number, u.name, 1, u.price_minor_units, model.currency);
  d.needed_by = p.need.now ? c.today : DateAfter(c.today_day, *p.need.days);
  d.confidence = ConfidenceOfNeed(p.need);
  d.summary =
      p.need.now
          ? fmt::format("CPU peak {:.0f}% in the last {} days (limit {:g}%); offer {}.",
                        *p.recent_peak, c.rules.recent_load_days, c.rules.cpu_near_pct, u.name)
          : fmt::format(
                "CPU daily peak is forecast to reach {:g}% in about {:.0f} days "
                "({}); offer {}.",
                c.rules.cpu_near_pct, *p.need.days, ProposalDate(*d.needed_by), u.name);
  ordered_json e;
  e["recent_peak_pct"] = OptionalNumber(p.recent_peak);
  e["recent_peak_date"] =
      p.recent_peak_date ? ordered_json(ProposalDate(*p.recent_peak_date)) : ordered_json(nullptr);
  e["recent_days"] = c.rules.recent_load_days;
  e["near_pct"] = c.rules.cpu_near_pct;
  AddForecastEvidence(e, p.need, p.forecast);
  d.evidence_json = Dump(e);
  d.material_key = MaterialKey(d, p.need.now);
  c.out.drafts.push_back(std::move(d));
}

// ---- LAN equipment ----

void ProposeLink(const PContext& c, const SwitchProduct& model) {
  // Per interface and day: the larger of the in and out peak utilisation.
  std::map<std::string, std::map<int64_t, double>> peaks;
  for (std::string_view metric : {store::kMetricIfInOctets, store::kMetricIfOutOctets}) {
    for (const auto& [instance, days] : ByInstance(c, metric)) {
      for (const store::MetricDay* d : days) {
        std::optional<double> pct = d->PeakUtilisationPct();
        if (!pct) continue;
        double& slot = peaks[instance][DayOf(*d)];
        slot = std::max(slot, *pct);
      }
    }
  }
  std::optional<std::pair<std::string, PeakNeed>> best;
  for (const auto& [instance, by_day] : peaks) {
    std::vector<forecast::LoadDay> days;
    for (const auto& [day, pct] : by_day) days.push_back({day, pct});
    PeakNeed p = PeakAgainst(c, days, c.rules.link_near_pct);
    if (!WithinHorizon(c, p.need)) continue;
    if (!best || *p.need.days < *best->second.need.days) best.emplace(instance, std::move(p));
  }
  if (!best) return;
  const std::string& interface = best->first;
  const PeakNeed& p = best->second;
  const SwitchProduct* faster =
      model.successor.empty() ? nullptr : c.catalog.FindSwitch(model.successor);
  if (faster == nullptr) {
    c.out.skipped.push_back(
        fmt::format("link '{}' nears its speed but switch model '{}' has no faster successor",
                    interface, model.model));
    return;
  }
  ProposalDraft d = DraftOf("link", faster->product_number, faster->name, 1,
                            faster->price_minor_units, faster->currency);
  d.needed_by = p.need.now ? c.today : DateAfter(c.today_day, *p.need.days);
  d.confidence = ConfidenceOfNeed(p.need);
  d.summary = p.need.now
                  ? fmt::format(
                        "Link '{}' peaked at {:.0f}% of its speed in the last {} days; replace the "
                        "{} with the {} ({} Mbit/s ports).",
                        interface, *p.recent_peak, c.rules.recent_load_days, model.model,
                        faster->model, faster->port_speed_mbps)
                  : fmt::format(
                        "Link '{}' daily peak is forecast to reach {:g}% of its speed in about "
                        "{:.0f} days ({}); replace the {} with the {} ({} Mbit/s ports).",
                        interface, c.rules.link_near_pct, *p.need.days, ProposalDate(*d.needed_by),
                        model.model, faster->model, faster->port_speed_mbps);
  ordered_json e;
  e["interface"] = interface;
  e["recent_peak_pct"] = OptionalNumber(p.recent_peak);
  e["recent_peak_date"] =
      p.recent_peak_date ? ordered_json(ProposalDate(*p.recent_peak_date)) : ordered_json(nullptr);
  e["recent_days"] = c.rules.recent_load_days;
  e["near_pct"] = c.rules.link_near_pct;
  e["port_speed_mbps"] = model.port_speed_mbps;
  AddForecastEvidence(e, p.need, p.forecast);
  e["successor_model"] = faster->model;
  e["successor_port_speed_mbps"] = faster->port_speed_mbps;
  d.evidence_json = Dump(e);
  d.material_key = MaterialKey(d, p.need.now);
  c.out.drafts.push_back(std::move(d));
}

}  // namespace

std::optional<PeripheralView> ToPeripheralView(const store::DeviceHistory& h, uint32_t today) {
  if (h.kind == store::DeviceKind::kPeriscope) return std::nullopt;
  PeripheralView v;
  v.kind = h.kind;
  if (!h.peripheral_specs.empty()) v.spec = h.peripheral_specs.back().spec;
  v.metric_days.reserve(h.metric_days.size());
  for (const store::MetricDay& d : h.metric_days) {
    if (today == 0 || d.date <= static_cast<int64_t>(today)) v.metric_days.push_back(d);
  }
  v.alerts = h.alerts;
  return v;
}

DeviceProposals ProposeForPeripheral(const DeviceView& device, const Catalog& catalog,
                                     const ProposalRules& rules, uint32_t today) {
  DeviceProposals out;
  if (!device.peripheral) return out;
  const PeripheralView& p = *device.peripheral;
  if (device.retired) {
    out.skipped.push_back("device is retired");
    return out;
  }
  if (!p.spec) {
    out.skipped.push_back("no specification has been polled for the peripheral");
    return out;
  }
  if (!IsValidDate(today)) {
    out.skipped.push_back(fmt::format("today {} is not a valid date", today));
    return out;
  }
  PContext c{device, p, catalog, rules, today, DaysFromDate(today), out};
  const std::string kind(store::DeviceKindName(p.kind));
  switch (p.kind) {
    case store::DeviceKind::kPrinter:
      if (const PrinterProduct* model = catalog.FindPrinter(p.spec->model)) {
        ProposeVolume(c, *model);
        ProposeSupplies(c, *model);
        return out;
      }
      break;
    case store::DeviceKind::kHost:
      if (const HostProduct* model = catalog.FindHost(p.spec->model)) {
        ProposeHostStorage(c, *model);
        ProposeHostCpu(c, *model);
        return out;
      }
      break;
    case store::DeviceKind::kNetwork:
      if (const SwitchProduct* model = catalog.FindSwitch(p.spec->model)) {
        ProposeLink(c, *model);
        return out;
      }
      break;
    case store::DeviceKind::kPeriscope:
      return out;
  }
  out.skipped.push_back(fmt::format("{} model '{}' is not in the catalog", kind, p.spec->model));
  return out;
}

}  // namespace periscope::reports
