#include "reports/forecast_cli.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/files.h"
#include "core/strings.h"

namespace periscope::reports {
namespace {

constexpr size_t kMaxSeriesBytes = 64 * 1024 * 1024;

constexpr std::string_view kHelp =
    "usage: periscope-report forecast --series FILE [--threshold-pct P] [--horizon-days N]\n"
    "                                 [--format text|json]\n"
    "\n"
    "Forecasts one series of used capacity. FILE is CSV with a header line and the\n"
    "columns date,used_bytes,capacity_bytes (date YYYY-MM-DD; an empty used_bytes is a\n"
    "missing day). A capacity change starts a new segment; only the last is fitted.\n"
    "\n"
    "  --series FILE       the CSV file\n"
    "  --threshold-pct P   warning threshold, percent of capacity (default 85)\n"
    "  --horizon-days N    crossings later than this are none (default 1095)\n"
    "  --format F          text (default) or json; json prints exactly the fields\n"
    "                      fit, threshold_pct, threshold_date, days_to_threshold,\n"
    "                      interval {level, lower_days, upper_days}, days_to_full,\n"
    "                      reason. Days are fractional, from the last date in the\n"
    "                      series; null where none is expected within the horizon.\n"
    "\n"
    "Exit codes: 0 a result (also \"no forecast\", with its reason), 2 usage or bad\n"
    "input, 1 other failure.\n";

std::optional<double> ParseNumber(std::string_view s) {
  s = TrimWhitespace(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseDate(std::string_view s) {
  std::optional<DateYmd> ymd = ParseIsoDate(TrimWhitespace(s));
  if (!ymd) return std::nullopt;
  return DaysFromDate(*ymd);
}

std::string DateText(double day) {
  return FormatIsoDate(DateFromDays(static_cast<int64_t>(std::floor(day))));
}

nlohmann::ordered_json OrNull(std::optional<double> v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string DaysText(std::optional<double> v) {
  if (!v) return "none within the horizon";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f days", *v);
  return buf;
}

}  // namespace

Result<std::vector<forecast::UsageDay>> ParseForecastCsv(const std::string& name,
                                                         const std::string& content) {
  std::vector<forecast::UsageDay> days;
  size_t line_no = 0;
  size_t pos = 0;
  bool header_seen = false;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    std::string_view line(content.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimWhitespace(line).empty()) continue;
    auto where = [&](std::string_view field, std::string_view why) {
      return InvalidArgumentError(name + ":" + std::to_string(line_no) + ": field '" +
                                  std::string(field) + "': " + std::string(why));
    };
    std::vector<std::string_view> fields;
    size_t start = 0;
    while (true) {
      size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (!header_seen) {
      header_seen = true;
      if (fields.size() != 3 || TrimWhitespace(fields[0]) != "date" ||
          TrimWhitespace(fields[1]) != "used_bytes" ||
          TrimWhitespace(fields[2]) != "capacity_bytes") {
        return InvalidArgumentError(name + ":" + std::to_string(line_no) +
                                    ": expected the header date,used_bytes,capacity_bytes");
      }
      continue;
    }
    if (fields.size() != 3) {
      return InvalidArgumentError(name + ":" + std::to_string(line_no) +
                                  ": expected 3 fields, got " + std::to_string(fields.size()));
    }
    forecast::UsageDay day;
    std::optional<int64_t> d = ParseDate(fields[0]);
    if (!d) return where("date", "not a date YYYY-MM-DD");
    day.day = *d;
    if (!TrimWhitespace(fields[1]).empty()) {
      std::optional<double> used = ParseNumber(fields[1]);
      if (!used) return where("used_bytes", "not a number");
      if (*used < 0) return where("used_bytes", "negative");
      day.used_bytes = *used;
    }
    std::optional<double> capacity = ParseNumber(fields[2]);
    if (!capacity) return where("capacity_bytes", "not a number");
    if (*capacity <= 0) return where("capacity_bytes", "not positive");
    day.capacity_bytes = *capacity;
    days.push_back(day);
  }
  if (!header_seen) return InvalidArgumentError(name + ": empty file (no header line)");
  return days;
}

int RunForecastCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string series;
  std::string format = "text";
  forecast::Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kHelp;
      return 0;
    }
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--series" || a == "--threshold-pct" || a == "--horizon-days" || a == "--format") {
      std::optional<std::string> v = value();
      if (!v) {
        err << "forecast: " << a << " needs a value\n" << kHelp;
        return 2;
      }
      if (a == "--series") {
        series = *v;
      } else if (a == "--format") {
        if (*v != "text" && *v != "json") {
          err << "forecast: --format must be text or json\n";
          return 2;
        }
        format = *v;
      } else {
        std::optional<double> n = ParseNumber(*v);
        bool pct = a == "--threshold-pct";
        if (!n || *n <= 0 || (pct && *n > 100)) {
          err << "forecast: " << a << " must be a number" << (pct ? " in (0, 100]" : " above 0")
              << "\n";
          return 2;
        }
        (pct ? options.threshold_pct : options.horizon_days) = *n;
      }
      continue;
    }
    err << "forecast: unknown argument '" << CleanText(a, '?') << "'\n" << kHelp;
    return 2;
  }
  if (series.empty()) {
    err << "forecast: --series FILE is required\n" << kHelp;
    return 2;
  }
  Result<std::string> content = ReadFileBounded(series, kMaxSeriesBytes);
  if (!content.ok()) {
    err << "forecast: " << series << ": " << content.status().message() << "\n";
    return 2;
  }
  Result<std::vector<forecast::UsageDay>> days = ParseForecastCsv(series, *content);
  if (!days.ok()) {
    err << "forecast: " << days.status().message() << "\n";
    return 2;
  }
  forecast::SeriesForecast f = forecast::ForecastCapacity(*days, options);
  std::optional<double> to_threshold;
  std::optional<double> lower;
  std::optional<double> upper;
  std::optional<double> to_full;
  if (f.ok && f.crossings.size() == 2) {
    to_threshold = f.crossings[0].days;
    lower = f.crossings[0].lower_days;
    upper = f.crossings[0].upper_days;
    to_full = f.crossings[1].days;
  }
  std::optional<std::string> threshold_date;
  if (to_threshold) threshold_date = DateText(static_cast<double>(f.last_day) + *to_threshold);
  std::optional<std::string> reason;
  if (!f.reason.empty()) reason = f.reason;
  try {
    if (format == "json") {
      nlohmann::ordered_json j;
      j["fit"] = f.ok ? nlohmann::ordered_json(std::string(forecast::FitName(f.model.kind)))
                      : nlohmann::ordered_json(nullptr);
      j["threshold_pct"] = options.threshold_pct;
      j["threshold_date"] = threshold_date ? nlohmann::ordered_json(*threshold_date)
                                           : nlohmann::ordered_json(nullptr);
      j["days_to_threshold"] = OrNull(to_threshold);
      j["interval"] = {{"level", options.interval_level},
                       {"lower_days", OrNull(lower)},
                       {"upper_days", OrNull(upper)}};
      j["days_to_full"] = OrNull(to_full);
      j["reason"] = reason ? nlohmann::ordered_json(*reason) : nlohmann::ordered_json(nullptr);
      out << j.dump(2) << "\n";
    } else {
      out << "series: " << series << " (" << days->size() << " rows)\n";
      if (!f.ok) {
        out << "no forecast: " << f.reason << "\n";
        return 0;
      }
      out << "fit: " << forecast::FitName(f.model.kind) << " on the segment from "
          << DateText(static_cast<double>(f.segment_first_day)) << " to "
          << DateText(static_cast<double>(f.last_day)) << "\n";
      out << options.threshold_pct << "% of capacity: ";
      if (to_threshold) {
        out << *threshold_date << " (in " << DaysText(to_threshold) << "; "
            << options.interval_level * 100 << "% interval " << DaysText(lower) << " to "
            << DaysText(upper) << ")\n";
      } else {
        out << "no exhaustion expected within the horizon\n";
      }
      out << "full: " << DaysText(to_full) << "\n";
    }
  } catch (const std::exception& e) {
    err << "forecast: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace periscope::reports
