#include "store/metrics.h"

#include <array>
#include <utility>

namespace periscope::store {
namespace {

constexpr std::array<std::pair<DeviceKind, std::string_view>, 4> kKindNames = {{
    {DeviceKind::kPeriscope, "periscope"},
    {DeviceKind::kPrinter, "printer"},
    {DeviceKind::kHost, "host"},
    {DeviceKind::kNetwork, "network"},
}};

}  // namespace

std::string_view DeviceKindName(DeviceKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "periscope";
}

std::optional<DeviceKind> ParseDeviceKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::optional<double> MetricDay::PeakUtilisationPct() const {
  if (!capacity_per_s || *capacity_per_s <= 0 || !peak_rate_per_s) return std::nullopt;
  return *peak_rate_per_s * 100.0 / *capacity_per_s;
}

std::optional<double> MetricDay::MeanUtilisationPct() const {
  if (!capacity_per_s || *capacity_per_s <= 0 || covered_s <= 0) return std::nullopt;
  return total * 100.0 / (*capacity_per_s * static_cast<double>(covered_s));
}

}  // namespace periscope::store
