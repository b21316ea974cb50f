#include "reports/report_html.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/clock.h"
#include "render/html.h"
#include "render/svg_chart.h"
#include "store/metrics.h"

namespace periscope::reports {
namespace {

using render::Cell;
using render::ChartSpec;
using render::Element;
using render::MarkupCell;
using render::NumberCell;
using render::SafeHtml;
using render::Table;
using render::TextCell;
using render::TextElement;

constexpr const char* kObservedColor = "#1f5fbf";
constexpr const char* kFitColor = "#e08a1e";
constexpr const char* kWarnColor = "#c77700";
constexpr const char* kLimitColor = "#a40000";

// Days from `today` of a crossing `days_after_last` after the last day.
double DaysFromToday(const forecast::SeriesForecast& f, double days_after_last, uint32_t today) {
  double from_last = days_after_last;
  if (today == 0 || !IsValidDate(today)) return from_last;
  return static_cast<double>(f.last_day - DaysFromDate(today)) + from_last;
}

std::string CrossingDate(const forecast::SeriesForecast& f, double days_after_last) {
  return render::FormatDay(static_cast<double>(f.last_day) + days_after_last);
}

std::string CrossingText(const forecast::SeriesForecast& f, const forecast::Crossing& c,
                         std::string_view what, uint32_t today) {
  if (!c.days) return "";
  double from_today = DaysFromToday(f, *c.days, today);
  std::string date = CrossingDate(f, *c.days);
  if (from_today <= 0) return fmt::format("{} already reached ({})", what, date);
  std::string lower = c.lower_days ? CrossingDate(f, *c.lower_days) : "now";
  std::string upper = c.upper_days ? CrossingDate(f, *c.upper_days) : "beyond the horizon";
  return fmt::format("{} reached around {} ({:.0f}%: {} .. {}), {:.0f} days", what, date,
                     kReportIntervalLevel * 100, lower, upper, std::ceil(from_today));
}

std::string NoForecastText(const forecast::SeriesForecast& f) {
  if (!f.ok) return "No forecast: " + (f.reason.empty() ? std::string("no model") : f.reason);
  return f.reason.empty() ? "No exhaustion expected within the horizon" : f.reason;
}

std::optional<int64_t> LatestUsed(const std::vector<DayFigures>& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->used_bytes) return it->used_bytes;
  }
  return std::nullopt;
}

std::vector<DayFigures> SortedHistory(const std::vector<DayFigures>& history) {
  std::vector<DayFigures> sorted = history;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const DayFigures& a, const DayFigures& b) { return a.date < b.date; });
  return sorted;
}

double DayOf(uint32_t date) {
  return IsValidDate(date) ? static_cast<double>(DaysFromDate(date)) : std::nan("");
}

std::string Percent(std::optional<int64_t> used, std::optional<int64_t> capacity) {
  if (!used || !capacity || *capacity <= 0) return "";
  return render::FormatPercent(100.0 * static_cast<double>(*used) / static_cast<double>(*capacity));
}

Cell BytesCell(std::optional<int64_t> bytes) {
  if (!bytes) return TextCell("");
  return NumberCell(render::FormatBytes(*bytes), render::FormatInteger(*bytes) + " bytes");
}

Cell IntCell(std::optional<int64_t> v) {
  return v ? NumberCell(render::FormatInteger(*v)) : TextCell("");
}

// The x range of a chart: the history, today and enough future to show the
// crossing interval (bounded to two years).
void SetXRange(ChartSpec& spec, const std::vector<DayFigures>& history, uint32_t today,
               const forecast::SeriesForecast* f) {
  double first = std::nan(""), last = std::nan("");
  for (const DayFigures& d : history) {
    double day = DayOf(d.date);
    if (std::isnan(day)) continue;
    if (std::isnan(first) || day < first) first = day;
    if (std::isnan(last) || day > last) last = day;
  }
  double now = IsValidDate(today) ? DayOf(today) : last;
  if (std::isnan(now)) return;
  spec.today_day = now;
  double ahead = 90;
  if (f != nullptr && f->ok) {
    for (const forecast::Crossing& c : f->crossings) {
      std::optional<double> far = c.upper_days ? c.upper_days : c.days;
      if (far) {
        double end = static_cast<double>(f->last_day) + *far - now;
        ahead = std::max(ahead, std::min(end + 30, 730.0));
      }
    }
  }
  spec.x_min = std::isnan(first) ? now - 30 : std::min(first, now);
  spec.x_max = now + ahead;
}

void AddProjection(ChartSpec& spec, const forecast::SeriesForecast& f, std::string_view unit) {
  if (!f.ok || f.projection.empty()) return;
  render::ChartSeries fit{
      "fit (" + FitLabel(f.model.kind) + ")", kFitColor, true, false, false, false, {}};
  render::ChartSeries projection{"projection", kFitColor, true, false, true, false, {}};
  render::ChartBand band;
  band.label = fmt::format("{:.0f}% interval{}", kReportIntervalLevel * 100, unit);
  band.color = kFitColor;
  const double last = static_cast<double>(f.last_day);
  for (const forecast::ProjectionPoint& p : f.projection) {
    if (p.day <= last) fit.points.push_back({p.day, p.value});
    if (p.day >= last) {
      projection.points.push_back({p.day, p.value});
      band.points.push_back({p.day, p.lower, p.upper});
    }
  }
  // Join the fit and the projection at the last day.
  if (!fit.points.empty() && !projection.points.empty() &&
      fit.points.back().day < projection.points.front().day) {
    projection.points.insert(projection.points.begin(), fit.points.back());
  }
  if (!fit.points.empty()) spec.series.push_back(std::move(fit));
  if (!projection.points.empty()) spec.series.push_back(std::move(projection));
  if (band.points.size() >= 2) spec.band = std::move(band);
}

SafeHtml CapacityChart(const DeviceView& d, const std::vector<DayFigures>& history,
                       uint32_t today) {
  ChartSpec spec;
  spec.id = fmt::format("capacity-{}", d.device_id);
  spec.css_class = "chart-capacity";
  spec.title = "Used capacity: " + d.serial_number;
  spec.y_label = "used";
  spec.y_format = render::ValueFormat::kBytes;
  render::ChartSeries observed{"used (daily)", kObservedColor, true, history.size() <= 60,
                               false,          true,           {}};
  for (const DayFigures& day : history) {
    if (day.used_bytes) {
      observed.points.push_back({DayOf(day.date), static_cast<double>(*day.used_bytes)});
    }
  }
  spec.series.push_back(std::move(observed));
  AddProjection(spec, d.capacity, "");
  std::optional<double> capacity;
  if (d.capacity.crossings.size() >= 2) capacity = d.capacity.crossings[1].level;
  if (!capacity && d.spec && d.spec->capacity_bytes > 0) {
    capacity = static_cast<double>(d.spec->capacity_bytes);
  }
  if (!capacity) {
    for (auto it = history.rbegin(); it != history.rend() && !capacity; ++it) {
      if (it->capacity_bytes) capacity = static_cast<double>(*it->capacity_bytes);
    }
  }
  std::optional<double> threshold;
  if (!d.capacity.crossings.empty()) threshold = d.capacity.crossings[0].level;
  if (!threshold && capacity) threshold = *capacity * d.threshold_pct / 100.0;
  if (threshold) {
    spec.reference_lines.push_back(
        {*threshold, fmt::format("{} threshold", render::FormatPercent(d.threshold_pct, 0)),
         kWarnColor, true});
  }
  if (capacity) spec.reference_lines.push_back({*capacity, "capacity 100%", kLimitColor, false});
  SetXRange(spec, history, today, &d.capacity);
  spec.description = "Used capacity of device " + d.serial_number +
                     " per day, the fitted model and its projection with the interval band, "
                     "the warning threshold and the capacity. " +
                     CapacityForecastSentence(d.capacity, d.threshold_pct, today);
  return render::RenderTimeSeriesChart(spec);
}

SafeHtml LoadChart(const DeviceView& d, const std::vector<DayFigures>& history, uint32_t today) {
  ChartSpec spec;
  spec.id = fmt::format("load-{}", d.device_id);
  spec.css_class = "chart-load";
  spec.title = "Daily load peak: " + d.serial_number;
  spec.y_label = "writes per interval";
  render::ChartSeries observed{
      "load peak (daily)", kObservedColor, true, history.size() <= 60, false, true, {}};
  for (const DayFigures& day : history) {
    if (day.load_peak) {
      observed.points.push_back({DayOf(day.date), static_cast<double>(*day.load_peak)});
    }
  }
  spec.series.push_back(std::move(observed));
  if (d.load) AddProjection(spec, *d.load, "");
  double rated = d.rated_load.value_or(0);
  spec.reference_lines.push_back(
      {rated * d.rated_pct / 100.0,
       fmt::format("{} of rated load", render::FormatPercent(d.rated_pct, 0)), kWarnColor, true});
  spec.reference_lines.push_back({rated, "rated load", kLimitColor, false});
  SetXRange(spec, history, today, d.load ? &*d.load : nullptr);
  spec.description = "Daily peak of writes per interval of device " + d.serial_number +
                     " against the rated load of the model.";
  if (d.load) spec.description += " " + LoadForecastSentence(*d.load, d.rated_pct, today);
  return render::RenderTimeSeriesChart(spec);
}

SafeHtml SpecUsageTable(const DeviceView& d, const std::vector<DayFigures>& history) {
  const SpecView empty_spec;
  const SpecView& s = d.spec ? *d.spec : empty_spec;
  std::optional<int64_t> used = LatestUsed(history);
  std::optional<int64_t> capacity;
  if (d.spec) capacity = d.spec->capacity_bytes;
  std::optional<int64_t> peak;
  for (auto it = history.rbegin(); it != history.rend() && !peak; ++it) peak = it->load_peak;
  std::string firmware = s.firmware;
  if (d.latest_firmware && *d.latest_firmware != s.firmware) {
    firmware += " (latest: " + *d.latest_firmware + ")";
  }
  std::string history_span = history.empty() ? "none"
                                             : fmt::format("{} days ({} .. {})", history.size(),
                                                           render::FormatDate(history.front().date),
                                                           render::FormatDate(history.back().date));
  std::string load_share;
  if (peak && d.rated_load && *d.rated_load > 0) {
    load_share = render::FormatPercent(100.0 * static_cast<double>(*peak) / *d.rated_load);
  }
  Table t;
  t.css_class = "spec-usage";
  t.headers = {"Specification", "", "Usage", ""};
  auto row = [&](std::string_view spec_label, Cell spec_value, std::string_view use_label,
                 Cell use_value) {
    t.rows.push_back(
        {TextCell(spec_label), std::move(spec_value), TextCell(use_label), std::move(use_value)});
  };
  row("Product", TextCell(d.spec ? s.product_name : "unknown"), "Used", BytesCell(used));
  row("Model", TextCell(s.model), "Capacity", BytesCell(capacity));
  row("Product number", TextCell(s.product_number), "Used share",
      NumberCell(Percent(used, capacity)));
  row("Configuration", TextCell(s.configuration), "Load peak (latest)", IntCell(peak));
  row("Firmware", TextCell(firmware), "Rated load",
      d.rated_load ? NumberCell(render::FormatDecimal(*d.rated_load, 0)) : TextCell("unknown"));
  row("Cache", d.spec ? BytesCell(s.cache_bytes) : TextCell(""), "Peak / rated load",
      NumberCell(load_share));
  row("Sale date", TextCell(s.sale_date ? render::FormatDate(*s.sale_date) : ""), "History",
      TextCell(history_span));
  row("Price", NumberCell(d.spec ? render::FormatMoney(s.price_minor_units, s.currency) : ""),
      "Forecast fit", TextCell(d.capacity.ok ? FitLabel(d.capacity.model.kind) : "none"));
  return render::RenderTable(t);
}

// The daily table: every day, or the last `max_rows` days (the charts keep
// the whole history).
SafeHtml HistoryTable(const std::vector<DayFigures>& all_days, size_t max_rows) {
  const size_t skip = all_days.size() > max_rows ? all_days.size() - max_rows : 0;
  const std::vector<DayFigures> history(all_days.begin() + static_cast<std::ptrdiff_t>(skip),
                                        all_days.end());
  Table t;
  t.css_class = "history";
  t.caption = skip == 0 ? std::string("History (date order)")
                        : fmt::format("History: the last {} days (date order)", history.size());
  t.headers = {"Date", "Used", "Capacity", "Used %", "Load peak", "Load average", "Intervals"};
  t.numeric_columns = {false, true, true, true, true, true, true};
  for (const DayFigures& d : history) {
    std::string avg = d.load_avg_centi
                          ? render::FormatDecimal(static_cast<double>(*d.load_avg_centi) / 100, 2)
                          : "";
    t.rows.push_back({TextCell(render::FormatDate(d.date)), BytesCell(d.used_bytes),
                      BytesCell(d.capacity_bytes),
                      NumberCell(Percent(d.used_bytes, d.capacity_bytes)), IntCell(d.load_peak),
                      NumberCell(avg), IntCell(d.intervals)});
  }
  return render::RenderTable(t);
}

// ---- peripherals: printers and copiers, PCs, LAN equipment ----

constexpr const char* kPalette[] = {"#1f5fbf", "#c77700", "#2a8a3e", "#8e3fbf",
                                    "#a40000", "#137c8c", "#6b6b00", "#5a5a5a"};
constexpr size_t kMaxInstanceCharts = 8;  // per metric family, the busiest first

const char* PaletteColor(size_t i) { return kPalette[i % std::size(kPalette)]; }

double MetricDayOf(const store::MetricDay& d) {
  return IsValidDate(static_cast<uint32_t>(d.date)) ? DayOf(static_cast<uint32_t>(d.date))
                                                    : std::nan("");
}

// One metric's days by instance (date order as stored: metric, instance, date).
std::map<std::string, std::vector<const store::MetricDay*>> InstancesOf(const PeripheralView& p,
                                                                        std::string_view metric) {
  std::map<std::string, std::vector<const store::MetricDay*>> out;
  for (const store::MetricDay& d : p.metric_days) {
    if (d.metric == metric) out[d.instance].push_back(&d);
  }
  for (auto& [instance, days] : out) {
    std::stable_sort(
        days.begin(), days.end(),
        [](const store::MetricDay* a, const store::MetricDay* b) { return a->date < b->date; });
  }
  return out;
}

// The x range of a peripheral chart: its days and a little past today.
void SetMetricXRange(ChartSpec& spec, const std::vector<const store::MetricDay*>& days,
                     uint32_t today) {
  double first = std::nan("");
  for (const store::MetricDay* d : days) {
    double day = MetricDayOf(*d);
    if (!std::isnan(day) && (std::isnan(first) || day < first)) first = day;
  }
  double now = IsValidDate(today) ? DayOf(today) : std::nan("");
  if (std::isnan(now)) {
    for (const store::MetricDay* d : days) {
      double day = MetricDayOf(*d);
      if (!std::isnan(day) && (std::isnan(now) || day > now)) now = day;
    }
  }
  if (std::isnan(now)) return;
  spec.today_day = now;
  spec.x_min = std::isnan(first) ? now - 30 : std::min(first, now);
  spec.x_max = now + 7;
}

// The spec's supply descriptions by index, for legends.
std::map<std::string, std::string> SupplyNames(const PeripheralView& p) {
  std::map<std::string, std::string> names;
  if (!p.spec) return names;
  auto details = nlohmann::json::parse(p.spec->details_json, nullptr, false);
  if (details.is_discarded() || !details.is_object()) return names;
  auto supplies = details.find("supplies");
  if (supplies == details.end() || !supplies->is_array()) return names;
  for (const auto& s : *supplies) {
    if (!s.is_object()) continue;
    auto index = s.find("index");
    auto description = s.find("description");
    if (index == s.end() || !index->is_number_integer()) continue;
    if (description != s.end() && description->is_string()) {
      names[std::to_string(index->get<int64_t>())] = description->get<std::string>();
    }
  }
  return names;
}

SafeHtml PagesChart(const DeviceView& d, const PeripheralView& p, uint32_t today) {
  auto markers = InstancesOf(p, store::kMetricPages);
  if (markers.empty()) return {};
  ChartSpec spec;
  spec.id = fmt::format("pages-{}", d.device_id);
  spec.css_class = "chart-pages";
  spec.title = "Pages per day: " + d.serial_number;
  spec.y_label = "pages";
  spec.y_min = 0;
  std::vector<const store::MetricDay*> all;
  std::map<double, double> total;
  for (const auto& [instance, days] : markers) {
    for (const store::MetricDay* m : days) {
      all.push_back(m);
      double day = MetricDayOf(*m);
      if (!std::isnan(day)) total[day] += m->total;
    }
  }
  render::ChartSeries series{"pages (daily)", kObservedColor, true, total.size() <= 60,
                             false,           true,           {}};
  for (const auto& [day, pages] : total) series.points.push_back({day, pages});
  spec.series.push_back(std::move(series));
  SetMetricXRange(spec, all, today);
  spec.description = "Pages printed per day by " + d.serial_number + " (all markers).";
  return render::RenderTimeSeriesChart(spec);
}

SafeHtml SupplyChart(const DeviceView& d, const PeripheralView& p, uint32_t today) {
  auto supplies = InstancesOf(p, store::kMetricSupplyLevelPct);
  if (supplies.empty()) return {};
  std::map<std::string, std::string> names = SupplyNames(p);
  ChartSpec spec;
  spec.id = fmt::format("supplies-{}", d.device_id);
  spec.css_class = "chart-supplies";
  spec.title = "Supply levels: " + d.serial_number;
  spec.y_label = "% of capacity";
  spec.y_min = 0;
  spec.y_max = 100;
  std::vector<const store::MetricDay*> all;
  size_t color = 0;
  for (const auto& [instance, days] : supplies) {
    std::string label = "supply " + instance;
    if (auto it = names.find(instance); it != names.end() && !it->second.empty()) {
      label += ": " + it->second;
    }
    render::ChartSeries series{label, PaletteColor(color++), true, days.size() <= 60, false, true,
                               {}};
    for (const store::MetricDay* m : days) {
      all.push_back(m);
      std::optional<double> level = m->min ? m->min : m->last;
      if (level) series.points.push_back({MetricDayOf(*m), *level});
    }
    spec.series.push_back(std::move(series));
  }
  SetMetricXRange(spec, all, today);
  spec.description = "Daily lowest level of each supply of " + d.serial_number + " in percent.";
  return render::RenderTimeSeriesChart(spec);
}

bool IsMemoryStorageName(std::string_view descr) {
  std::string lower(descr);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("memory") != std::string::npos || lower.find("swap") != std::string::npos;
}

SafeHtml StorageCharts(const DeviceView& d, const PeripheralView& p, uint32_t today) {
  auto used = InstancesOf(p, store::kMetricStorageUsedBytes);
  auto sizes = InstancesOf(p, store::kMetricStorageSizeBytes);
  SafeHtml out;
  size_t n = 0;
  for (const auto& [descr, days] : used) {
    if (IsMemoryStorageName(descr) || n >= kMaxInstanceCharts) continue;
    ChartSpec spec;
    spec.id = fmt::format("storage-{}-{}", d.device_id, n++);
    spec.css_class = "chart-storage";
    spec.title = "Storage " + descr + ": " + d.serial_number;
    spec.y_label = "bytes";
    spec.y_format = render::ValueFormat::kBytes;
    spec.y_min = 0;
    render::ChartSeries used_series{"used (daily)", kObservedColor, true, days.size() <= 60,
                                    false,          true,           {}};
    for (const store::MetricDay* m : days) {
      if (m->last) used_series.points.push_back({MetricDayOf(*m), *m->last});
    }
    spec.series.push_back(std::move(used_series));
    std::vector<const store::MetricDay*> all = days;
    if (auto it = sizes.find(descr); it != sizes.end()) {
      render::ChartSeries size_series{"size", kLimitColor, true, false, false, true, {}};
      for (const store::MetricDay* m : it->second) {
        if (m->last) size_series.points.push_back({MetricDayOf(*m), *m->last});
        all.push_back(m);
      }
      spec.series.push_back(std::move(size_series));
    }
    SetMetricXRange(spec, all, today);
    spec.description =
        "Used bytes of storage " + descr + " of " + d.serial_number + " per day against its size.";
    out += render::RenderTimeSeriesChart(spec);
  }
  return out;
}

SafeHtml CpuChart(const DeviceView& d, const PeripheralView& p, uint32_t today) {
  auto cpu = InstancesOf(p, store::kMetricCpuLoadPct);
  auto all_it = cpu.find("all");
  if (all_it == cpu.end()) return {};
  const auto& days = all_it->second;
  ChartSpec spec;
  spec.id = fmt::format("cpu-{}", d.device_id);
  spec.css_class = "chart-cpu";
  spec.title = "CPU load: " + d.serial_number;
  spec.y_label = "% busy";
  spec.y_min = 0;
  spec.y_max = 100;
  render::ChartSeries peak{"daily peak", kObservedColor, true, days.size() <= 60, false, true, {}};
  render::ChartSeries mean{"daily mean", kFitColor, true, false, true, true, {}};
  for (const store::MetricDay* m : days) {
    if (m->max) peak.points.push_back({MetricDayOf(*m), *m->max});
    if (m->mean) mean.points.push_back({MetricDayOf(*m), *m->mean});
  }
  spec.series.push_back(std::move(peak));
  spec.series.push_back(std::move(mean));
  spec.reference_lines.push_back({100, "100%", kLimitColor, false});
  SetMetricXRange(spec, days, today);
  spec.description = "Daily peak and mean CPU load (all processors) of " + d.serial_number + ".";
  return render::RenderTimeSeriesChart(spec);
}

SafeHtml LinkCharts(const DeviceView& d, const PeripheralView& p, uint32_t today) {
  struct Link {
    std::vector<const store::MetricDay*> days;
    double busiest = 0;
  };
  std::map<std::string, Link> links;
  for (std::string_view metric : {store::kMetricIfInOctets, store::kMetricIfOutOctets}) {
    for (const auto& [instance, days] : InstancesOf(p, metric)) {
      Link& link = links[instance];
      for (const store::MetricDay* m : days) {
        link.days.push_back(m);
        link.busiest = std::max(link.busiest, m->PeakUtilisationPct().value_or(0));
      }
    }
  }
  std::vector<std::pair<std::string, const Link*>> order;
  for (const auto& [name, link] : links) order.emplace_back(name, &link);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->busiest > b.second->busiest;
  });
  if (order.size() > kMaxInstanceCharts) order.resize(kMaxInstanceCharts);
  SafeHtml out;
  size_t n = 0;
  for (const auto& [name, link] : order) {
    ChartSpec spec;
    spec.id = fmt::format("link-{}-{}", d.device_id, n++);
    spec.css_class = "chart-link";
    spec.title = "Link " + name + ": " + d.serial_number;
    spec.y_label = "% of speed";
    spec.y_min = 0;
    render::ChartSeries in_peak{"in peak", kObservedColor, true, false, false, true, {}};
    render::ChartSeries in_mean{"in mean", kObservedColor, true, false, true, true, {}};
    render::ChartSeries out_peak{"out peak", kWarnColor, true, false, false, true, {}};
    render::ChartSeries out_mean{"out mean", kWarnColor, true, false, true, true, {}};
    for (const store::MetricDay* m : link->days) {
      const bool in = m->metric == store::kMetricIfInOctets;
      if (auto v = m->PeakUtilisationPct()) {
        (in ? in_peak : out_peak).points.push_back({MetricDayOf(*m), *v});
      }
      if (auto v = m->MeanUtilisationPct()) {
        (in ? in_mean : out_mean).points.push_back({MetricDayOf(*m), *v});
      }
    }
    for (auto* series : {&in_peak, &in_mean, &out_peak, &out_mean}) {
      if (!series->points.empty()) spec.series.push_back(std::move(*series));
    }
    spec.reference_lines.push_back({100, "speed 100%", kLimitColor, false});
    SetMetricXRange(spec, link->days, today);
    spec.description = "Daily peak and mean utilisation of interface " + name + " of " +
                       d.serial_number + " in percent of its speed.";
    out += render::RenderTimeSeriesChart(spec);
  }
  return out;
}

SafeHtml PeripheralSpecTable(const DeviceView& d, const PeripheralView& p) {
  Table t;
  t.css_class = "spec-peripheral";
  t.headers = {"Specification", ""};
  auto row = [&](std::string_view label, std::string value) {
    t.rows.push_back({TextCell(label), TextCell(value)});
  };
  row("Kind", std::string(store::DeviceKindName(p.kind)));
  row("Model", p.spec ? p.spec->model : "unknown");
  if (p.spec) {
    row("Model from", p.spec->model_source);
    row("Description", p.spec->description);
    row("Firmware", p.spec->firmware);
  }
  row("Serial number", d.serial_number);
  row("Target", d.target);
  std::string span = "none";
  int64_t first = 0, last = 0;
  for (const store::MetricDay& m : p.metric_days) {
    if (first == 0 || m.date < first) first = m.date;
    last = std::max(last, m.date);
  }
  if (first != 0) {
    span = render::FormatDate(static_cast<uint32_t>(first)) + " .. " +
           render::FormatDate(static_cast<uint32_t>(last));
  }
  row("History", span);
  return render::RenderTable(t);
}

SafeHtml AlertsTable(const PeripheralView& p) {
  if (p.kind != store::DeviceKind::kPrinter) return {};
  if (p.alerts.empty()) return TextElement("p", "No current alerts.", {{"class", "muted alerts"}});
  Table t;
  t.css_class = "alerts";
  t.caption = "Current alerts";
  t.headers = {"Severity", "Group", "Group index", "Code", "Description"};
  for (const store::DeviceAlert& a : p.alerts) {
    Cell severity = TextCell(a.severity);
    if (a.severity == "critical") severity.css_class = "error";
    t.rows.push_back({std::move(severity), TextCell(a.group),
                      NumberCell(render::FormatInteger(a.group_index)), TextCell(a.code),
                      TextCell(a.description)});
  }
  return render::RenderTable(t);
}

SafeHtml PeripheralSection(const DeviceView& d, const PeripheralView& p, uint32_t today) {
  std::string title = std::string(store::DeviceKindName(p.kind)) + " " + d.serial_number;
  if (p.spec && !p.spec->model.empty()) title += " \xE2\x80\x94 " + p.spec->model;
  if (!d.target.empty()) title += " (" + d.target + ")";
  if (d.retired) title += " [retired]";
  SafeHtml out = render::Heading(3, title, fmt::format("device-{}", d.device_id));
  out += PeripheralSpecTable(d, p);
  out += AlertsTable(p);
  SafeHtml charts;
  switch (p.kind) {
    case store::DeviceKind::kPrinter:
      charts += PagesChart(d, p, today);
      charts += SupplyChart(d, p, today);
      break;
    case store::DeviceKind::kHost:
      charts += StorageCharts(d, p, today);
      charts += CpuChart(d, p, today);
      break;
    case store::DeviceKind::kNetwork:
      charts += LinkCharts(d, p, today);
      break;
    case store::DeviceKind::kPeriscope:
      break;
  }
  if (charts.empty()) {
    out += TextElement("p", "No daily figures yet.", {{"class", "muted"}});
  } else {
    out += Element("div", charts, {{"class", "charts"}});
  }
  return Element(
      "section", out,
      {{"class", "device peripheral peripheral-" + std::string(store::DeviceKindName(p.kind))}});
}

SafeHtml DeviceSection(const DeviceView& d, uint32_t today, size_t history_rows) {
  if (d.peripheral) return PeripheralSection(d, *d.peripheral, today);
  std::vector<DayFigures> history = SortedHistory(d.history);
  std::string title = "Device " + d.serial_number;
  if (d.spec && !d.spec->model.empty()) title += " \xE2\x80\x94 " + d.spec->model;
  if (!d.target.empty()) title += " (" + d.target + ")";
  if (d.retired) title += " [retired]";
  SafeHtml out = render::Heading(3, title, fmt::format("device-{}", d.device_id));
  out += SpecUsageTable(d, history);
  out += TextElement("p", CapacityForecastSentence(d.capacity, d.threshold_pct, today),
                     {{"class", "forecast"}});
  if (d.load && d.rated_load) {
    out += TextElement("p", LoadForecastSentence(*d.load, d.rated_pct, today),
                       {{"class", "forecast"}});
  }
  SafeHtml charts = CapacityChart(d, history, today);
  if (d.rated_load) charts += LoadChart(d, history, today);
  out += Element("div", charts, {{"class", "charts"}});
  out += HistoryTable(history, history_rows);
  return Element("section", out, {{"class", "device"}});
}

bool AnswerIsError(const InquiryAnswerView& a) {
  return a.state != "answered" && a.state != "pending";
}

SafeHtml ProposalsSection(const std::vector<ProposalView>& proposals) {
  SafeHtml out = render::Heading(2, "Proposals", "proposals");
  if (proposals.empty()) {
    out += TextElement("p", "No open proposals.", {{"class", "muted"}});
    return out;
  }
  std::vector<const ProposalView*> sorted;
  for (const ProposalView& p : proposals) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(), [](const ProposalView* a, const ProposalView* b) {
    return a->needed_by.value_or(99999999) < b->needed_by.value_or(99999999);
  });
  Table t;
  t.css_class = "proposals";
  t.headers = {"Needed by",  "Kind",  "Device",     "Product", "Quantity",
               "Unit price", "Price", "Confidence", "Status",  "Why"};
  t.numeric_columns = {false, false, false, false, true, true, true, false, false, false};
  for (const ProposalView* p : sorted) {
    SafeHtml why = SafeHtml::Text(p->summary);
    if (!p->evidence_json.empty()) {
      why += Element("details",
                     TextElement("summary", "Evidence") + TextElement("pre", p->evidence_json));
    }
    std::string product = p->product_name;
    if (!p->product_number.empty()) product += " (" + p->product_number + ")";
    std::string status = p->status;
    if (p->changed) status += p->revision > 1 ? " (changed)" : " (new)";
    t.rows.push_back({TextCell(p->needed_by ? render::FormatDate(*p->needed_by) : "none"),
                      TextCell(p->kind), TextCell(p->device_serial), TextCell(product),
                      NumberCell(render::FormatInteger(p->quantity)),
                      NumberCell(render::FormatMoney(p->unit_price_minor_units, p->currency)),
                      NumberCell(render::FormatMoney(p->price_minor_units, p->currency)),
                      TextCell(p->confidence), TextCell(status), MarkupCell(why)});
  }
  out += render::RenderTable(t);
  for (const ProposalView* p : sorted) {
    if (p->answers.empty()) continue;
    Table a;
    a.css_class = "answers";
    a.caption = fmt::format("Stock and delivery answers for proposal {}: ", p->id) +
                p->product_name + " \xC3\x97 " + render::FormatInteger(p->quantity);
    a.headers = {"Site", "State", "In stock", "Available", "Retailer", "Delivery date", "Message"};
    a.numeric_columns = {false, false, false, true, false, false, false};
    for (const InquiryAnswerView& ans : p->answers) {
      Cell state = TextCell(ans.state);
      if (AnswerIsError(ans)) state.css_class = "error";
      a.rows.push_back({TextCell(ans.site), std::move(state),
                        TextCell(ans.in_stock ? (*ans.in_stock ? "yes" : "no") : ""),
                        IntCell(ans.quantity_available), TextCell(ans.retailer),
                        TextCell(ans.delivery_date ? render::FormatDate(*ans.delivery_date) : ""),
                        TextCell(ans.message)});
    }
    out += render::RenderTable(a);
  }
  return out;
}

SafeHtml DataNote(const std::string& note) {
  if (note.empty()) return {};
  return Element("div", TextElement("strong", "Note: ") + SafeHtml::Text(note),
                 {{"class", "note"}, {"role", "note"}});
}

int Group(const FleetRow& r) {
  if (r.days_to_threshold) return 0;
  return r.reason.empty() ? 1 : 2;
}

}  // namespace

SafeHtml RenderDeviceSection(const DeviceView& device, uint32_t today, size_t history_rows) {
  return DeviceSection(device, today, history_rows);
}

std::string FitLabel(forecast::FitKind kind) { return std::string(forecast::FitName(kind)); }

std::string CapacityForecastSentence(const forecast::SeriesForecast& f, double threshold_pct,
                                     uint32_t today) {
  if (!f.ok || f.crossings.empty() || !f.crossings[0].days) return NoForecastText(f);
  std::string out = CrossingText(f, f.crossings[0], render::FormatPercent(threshold_pct, 0), today);
  if (f.crossings.size() >= 2 && f.crossings[1].days) {
    out += "; 100% around " + CrossingDate(f, *f.crossings[1].days);
  }
  return out;
}

std::string LoadForecastSentence(const forecast::SeriesForecast& f, double rated_pct,
                                 uint32_t today) {
  if (!f.ok || f.crossings.empty() || !f.crossings[0].days) {
    if (!f.ok) return "Load: " + NoForecastText(f);
    return fmt::format("Load: {} of the rated load not expected within the horizon",
                       render::FormatPercent(rated_pct, 0));
  }
  return CrossingText(f, f.crossings[0],
                      "Load peak at " + render::FormatPercent(rated_pct, 0) + " of rated load",
                      today);
}

std::vector<FleetRow> RankFleetRows(const std::vector<FleetRow>& rows) {
  std::vector<FleetRow> ranked = rows;
  std::stable_sort(ranked.begin(), ranked.end(), [](const FleetRow& a, const FleetRow& b) {
    int ga = Group(a), gb = Group(b);
    if (ga != gb) return ga < gb;
    if (ga == 0) return *a.days_to_threshold < *b.days_to_threshold;
    return false;
  });
  return ranked;
}

std::string RenderCustomerHtml(const CustomerReport& report) {
  SafeHtml body;
  body += render::Heading(1, "Customer report: " + report.name);
  body += DataNote(report.data_note);
  std::vector<std::pair<std::string, SafeHtml>> header = {
      {"Customer", SafeHtml::Text(report.name)},
      {"User ID", SafeHtml::Text(report.user_id)},
      {"Contact", SafeHtml::Text(report.contact_person)},
  };
  if (report.sales) {
    header.push_back(
        {"Sales person", SafeHtml::Text(report.sales->name + " <" + report.sales->email + ">")});
  } else {
    header.push_back({"Sales person", SafeHtml::Text("none assigned")});
  }
  header.push_back({"Report date", SafeHtml::Text(render::FormatDate(report.today))});
  header.push_back({"Generated at", SafeHtml::Text(report.generated_at)});
  header.push_back({"Devices", SafeHtml::Text(std::to_string(report.devices.size()))});
  body += render::DefinitionList(header, "header");

  body += render::Heading(2, "Devices", "devices");
  if (report.devices.empty()) body += TextElement("p", "No devices.", {{"class", "muted"}});
  for (const DeviceView& d : report.devices) {
    body += DeviceSection(d, report.today, kAllHistoryRows);
  }
  body += ProposalsSection(report.proposals);

  render::PageOptions options;
  options.title = "periscope: " + report.name + " (" + report.user_id + ")";
  return render::RenderPage(options, body);
}

std::string RenderFleetHtml(const FleetReport& report) {
  std::string pct = render::FormatPercent(report.threshold_pct, 0);
  SafeHtml body;
  body += render::Heading(1, "Fleet: devices by days until the " + pct + " threshold");
  body += DataNote(report.data_note);
  std::vector<std::pair<std::string, SafeHtml>> header = {
      {"Report date", SafeHtml::Text(render::FormatDate(report.today))},
      {"Generated at", SafeHtml::Text(report.generated_at)},
      {"Sales person",
       SafeHtml::Text(report.sales_filter.empty() ? "everybody" : report.sales_filter)},
      {"Devices", SafeHtml::Text(std::to_string(report.rows.size()))},
  };
  body += render::DefinitionList(header, "header");

  Table t;
  t.css_class = "fleet";
  t.headers = {"#",      "Customer",  "User ID",  "Sales",  "Serial",         "Model",
               "Target", "Used",      "Capacity", "Used %", "Days to " + pct, "80% interval (days)",
               "Date",   "Proposals", "Note"};
  t.numeric_columns = {true, false, false, false, false, false, false, true,
                       true, true,  true,  true,  false, true,  false};
  int rank = 0;
  for (const FleetRow& r : RankFleetRows(report.rows)) {
    ++rank;
    std::string days, interval, note;
    if (r.days_to_threshold) {
      days = render::FormatDecimal(*r.days_to_threshold, 0);
      interval = (r.lower_days ? render::FormatDecimal(*r.lower_days, 0) : "?") + " .. " +
                 (r.upper_days ? render::FormatDecimal(*r.upper_days, 0) : "beyond");
    } else if (r.reason.empty()) {
      days = "none";
      note = "none within the horizon";
    } else {
      days = "n/a";
      note = r.reason;
    }
    Cell days_cell = NumberCell(days);
    if (r.days_to_threshold && *r.days_to_threshold <= 30) days_cell.css_class = "error";
    t.rows.push_back({NumberCell(std::to_string(rank)), TextCell(r.customer_name),
                      TextCell(r.customer_user_id), TextCell(r.sales_name),
                      TextCell(r.serial_number), TextCell(r.model), TextCell(r.target),
                      BytesCell(r.used_bytes), BytesCell(r.capacity_bytes),
                      NumberCell(Percent(r.used_bytes, r.capacity_bytes)), std::move(days_cell),
                      NumberCell(interval),
                      TextCell(r.threshold_date ? render::FormatDate(*r.threshold_date) : ""),
                      NumberCell(std::to_string(r.open_proposals)), TextCell(note)});
  }
  body += render::RenderTable(t);

  render::PageOptions options;
  options.title = "periscope: fleet" +
                  (report.sales_filter.empty() ? std::string() : " (" + report.sales_filter + ")");
  return render::RenderPage(options, body);
}

std::string RenderIndexHtml(const ReportIndex& index) {
  SafeHtml body = render::Heading(1, "periscope reports");
  body += TextElement("p", "Generated " + index.generated_at + ".");
  body += DataNote(index.data_note);
  auto link = [](const std::string& href, const std::string& text) {
    return Element("li", TextElement("a", text, {{"href", href}}));
  };
  SafeHtml fleet = link("fleet.html", "Fleet: every device by days to the warning threshold");
  for (const auto& [file, name] : index.sales) {
    fleet += link("sales/" + file + ".html", "Fleet of " + name);
  }
  body += render::Heading(2, "Fleet") + Element("ul", fleet);
  SafeHtml list;
  for (const auto& [file, name] : index.customers) {
    list += link("customers/" + file + ".html", name);
  }
  body += render::Heading(2, "Customers") + Element("ul", list);
  render::PageOptions page;
  page.title = "periscope reports";
  return render::RenderPage(page, body);
}

}  // namespace periscope::reports
