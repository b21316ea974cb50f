#include "claimtool/claim.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "claimtool/collect.h"
#include "claimtool/match.h"
#include "claimtool/render.h"
#include "claimtool/stats.h"
#include "core/files.h"
#include "core/strings.h"
#include "core/xml_config.h"
#include "mail/message.h"
#include "mail/settings.h"
#include "render/html.h"
#include "store/db.h"
#include "store/outbox.h"

namespace periscope::claimtool {
namespace {

constexpr size_t kMaxSymptomBytes = 2000;

std::string Endpoint(const store::ClaimDevice& d) { return HostPort(d.address, d.port); }

// "SN1 (CPY-6000, printer, 127.0.0.1:1161 #1)" for messages.
std::string DescribeDevice(const store::ClaimDevice& d) {
  return fmt::format("{} ({}, {}, {} #{}{})", render::CleanUtf8(d.serial_number, 128, false),
                     d.model.empty() ? "model unknown" : render::CleanUtf8(d.model, 128, false),
                     store::DeviceKindName(d.kind), Endpoint(d), d.device_index,
                     d.retired_at ? ", retired" : "");
}

Status UnknownDevice(store::Db& db, const ClaimRequest& request, const Status& not_found) {
  auto devices = store::ListCustomerDevices(db, request.customer);
  if (!devices.ok()) return not_found;  // the customer itself is unknown: say that
  std::string list;
  for (const store::ClaimDevice& d : *devices) {
    list += "\n  " + DescribeDevice(d);
  }
  return NotFoundError(fmt::format(
      "customer '{}' has no device '{}'; give a serial number or target:index of one of {}:{}",
      render::CleanUtf8(request.customer, 128, false),
      render::CleanUtf8(request.device, 128, false),
      devices->empty() ? "its devices (it has none)" : "its devices", list));
}

std::string KindsList(const std::vector<store::DeviceKind>& kinds) {
  std::string out;
  for (store::DeviceKind k : kinds) {
    if (!out.empty()) out += ", ";
    out += store::DeviceKindName(k);
  }
  return out;
}

bool Applies(const Category& c, store::DeviceKind kind) {
  return std::find(c.kinds.begin(), c.kinds.end(), kind) != c.kinds.end();
}

struct ChosenCategory {
  const Category* category = nullptr;
  std::vector<std::string> matched_terms;
};

Result<ChosenCategory> ChooseCategory(const ClaimRules& rules, const ClaimRequest& request,
                                      store::DeviceKind kind) {
  if (!request.category.empty()) {
    const Category* c = rules.FindCategory(request.category);
    if (c == nullptr || !Applies(*c, kind)) {
      std::string names;
      for (const Category& other : rules.categories) {
        if (Applies(other, kind)) names += (names.empty() ? "" : ", ") + other.name;
      }
      return InvalidArgumentError(
          fmt::format("category '{}' {} for a {} device; its categories: {}",
                      render::CleanUtf8(request.category, 128, false),
                      c == nullptr ? "is not in " + rules.source_name
                                   : "is for " + KindsList(c->kinds) + " devices, not",
                      store::DeviceKindName(kind), names.empty() ? "none" : names));
    }
    return ChosenCategory{c, {}};
  }
  if (request.symptom.empty()) {
    return InvalidArgumentError("a claim needs a symptom (--symptom) or a category (--category)");
  }
  std::vector<CategoryMatch> matches = MatchSymptom(rules, request.symptom, kind);
  if (!matches.empty())
    return ChosenCategory{matches.front().category, matches.front().matched_terms};
  std::string closest;
  for (const CategoryMatch& m : ClosestCategories(rules, request.symptom, kind)) {
    closest += fmt::format("\n  {} ({}): similarity {:.2f}", m.category->name,
                           render::CleanUtf8(m.category->title, 200, false), m.score);
  }
  return InvalidArgumentError(
      fmt::format("symptom '{}' matched no category for a {} device; name one with --category. "
                  "Closest:{}",
                  render::CleanUtf8(request.symptom, 200, false), store::DeviceKindName(kind),
                  closest.empty() ? " none (no category for this kind of device)" : closest));
}

// A statistic's identity and the item's description as the rules have it now.
store::ClaimStatRecord StatOf(const ItemDef& item, std::string instance, std::string measure,
                              std::string unit) {
  store::ClaimStatRecord stat;
  stat.item = item.name;
  stat.instance = std::move(instance);
  stat.measure = std::move(measure);
  stat.label = item.label;
  stat.unit = std::move(unit);
  stat.example = item.example;
  return stat;
}

std::string JoinComma(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

Result<ClaimRequest> LoadClaimFile(const std::string& path) {
  auto xml = XmlConfig::LoadFile(path, 64 * 1024);
  if (!xml.ok()) return xml.status();
  const XmlConfig& x = **xml;
  pugi::xml_node root = x.root();
  if (std::string_view(root.name()) != "claim") {
    return InvalidArgumentError(
        fmt::format("{}: root element is <{}>, expected <claim>", x.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(x.CheckKnownFields(
      root, {"customer", "device", "category", "symptom", "max-peers", "in-charge"}));
  ClaimRequest request;
  PERISCOPE_RETURN_IF_ERROR(x.SetText(root, "customer", &request.customer, 255));
  PERISCOPE_RETURN_IF_ERROR(x.SetText(root, "device", &request.device, 255));
  PERISCOPE_RETURN_IF_ERROR(x.SetText(root, "category", &request.category, 64));
  PERISCOPE_RETURN_IF_ERROR(x.SetText(root, "symptom", &request.symptom, kMaxSymptomBytes));
  PERISCOPE_RETURN_IF_ERROR(x.SetText(root, "in-charge", &request.in_charge_email, 254));
  auto max_peers = x.Uint(root, "max-peers", 1, 100000);
  if (!max_peers.ok()) return max_peers.status();
  if (max_peers->has_value()) request.max_peers = static_cast<size_t>(**max_peers);
  if (request.customer.empty()) return x.FieldError(root, "customer", "is required");
  if (request.device.empty()) return x.FieldError(root, "device", "is required");
  if (request.symptom.empty() && request.category.empty()) {
    return x.FieldError(root, "symptom", "a claim needs a symptom or a category");
  }
  return request;
}

std::vector<store::ClaimStatRecord> ComputeClaimStats(
    const std::vector<const ItemDef*>& items, const std::vector<store::ClaimDeviceRecord>& devices,
    const std::vector<store::ClaimValueRecord>& values, const std::vector<ItemRates>& rates) {
  std::vector<store::ClaimStatRecord> stats;
  if (devices.empty()) return stats;
  const int64_t claimed_id = devices.front().device_id;
  std::set<int64_t> answered_peers;
  std::set<int64_t> all_peers;
  for (size_t i = 1; i < devices.size(); ++i) {
    all_peers.insert(devices[i].device_id);
    if (devices[i].answered) answered_peers.insert(devices[i].device_id);
  }
  for (const ItemDef* item : items) {
    const bool numeric = item->type == ValueType::kNumber;
    // Instances in the order first seen (walk order).
    std::vector<std::string> instances;
    for (const store::ClaimValueRecord& v : values) {
      if (v.item != item->name || !v.problem.empty()) continue;
      if (std::find(instances.begin(), instances.end(), v.instance) == instances.end()) {
        instances.push_back(v.instance);
      }
    }
    for (const std::string& instance : instances) {
      store::ClaimStatRecord stat = StatOf(*item, instance, "value", item->unit);
      std::optional<double> claimed_number;
      std::optional<std::string> claimed_text;
      std::vector<double> peer_numbers;
      std::vector<std::string> peer_texts;
      for (const store::ClaimValueRecord& v : values) {
        if (v.item != item->name || v.instance != instance || !v.problem.empty()) continue;
        if (v.device_id == claimed_id) {
          claimed_number = v.number;
          claimed_text = v.text;
        } else if (answered_peers.count(v.device_id)) {
          if (numeric && v.number) peer_numbers.push_back(*v.number);
          if (!numeric) peer_texts.push_back(v.text);
        }
      }
      if (numeric) {
        ComputeNumericStats(claimed_number, peer_numbers, &stat);
        stat.claimed_number = claimed_number;
        stat.claimed_text = claimed_text.value_or("");
      } else {
        ComputeTextStats(claimed_text, peer_texts, &stat);
        stat.claimed_text = claimed_text.value_or("");
      }
      stats.push_back(std::move(stat));
    }
    if (item->rate_metric.empty()) continue;
    for (const ItemRates& r : rates) {
      if (r.item != item->name) continue;
      store::ClaimStatRecord stat =
          StatOf(*item, "", "per_day", (item->unit.empty() ? "count" : item->unit) + "/day");
      std::optional<double> claimed;
      std::vector<double> peers;
      for (const store::DailyRate& rate : r.rates) {
        if (rate.device_id == claimed_id) {
          claimed = rate.per_day;
        } else if (all_peers.count(rate.device_id)) {
          peers.push_back(rate.per_day);
        }
      }
      if (!claimed && peers.empty()) continue;  // no history at all
      ComputeNumericStats(claimed, peers, &stat);
      stat.claimed_number = claimed;
      if (claimed) stat.claimed_text = fmt::format("{:.1f}", *claimed);
      stats.push_back(std::move(stat));
    }
  }
  OrderFlaggedFirst(&stats);
  return stats;
}

Result<ClaimOutcome> RunClaim(const ClaimConfig& config, const ClaimRules& rules,
                              const poller::PollerConfig& poller, const ClaimRequest& request,
                              const ClaimDeps& deps) {
  const Clock& clock = *deps.clock;
  const auto started = std::chrono::steady_clock::now();
  if (request.symptom.size() > kMaxSymptomBytes) {
    return InvalidArgumentError(
        fmt::format("symptom: at most {} bytes, got {}", kMaxSymptomBytes, request.symptom.size()));
  }
  if (request.customer.size() > 255 || request.device.size() > 255 ||
      request.category.size() > 64) {
    return InvalidArgumentError("customer, device (at most 255 bytes) or category (64) too long");
  }
  auto reader = store::Db::OpenReader(config.database);
  if (!reader.ok()) return reader.status();
  store::Db& rdb = **reader;

  auto device = store::FindClaimDevice(rdb, request.customer, request.device);
  if (!device.ok()) {
    if (device.status().code() == StatusCode::kNotFound) {
      return UnknownDevice(rdb, request, device.status());
    }
    return device.status();
  }
  auto chosen = ChooseCategory(rules, request, device->kind);
  if (!chosen.ok()) return chosen.status();
  const Category& category = *chosen->category;

  std::vector<const ItemDef*> items;
  for (const std::string& name : category.items) {
    const ItemDef* item = rules.FindItem(name);
    if (item == nullptr) {
      return InternalError(fmt::format("{}: category '{}' names unknown item '{}'",
                                       rules.source_name, category.name, name));
    }
    items.push_back(item);
  }

  std::string in_charge_name, in_charge_email;
  if (!request.in_charge_email.empty()) {
    PERISCOPE_RETURN_IF_ERROR(mail::ValidateAddress(request.in_charge_email));
    in_charge_email = request.in_charge_email;
    in_charge_name = request.in_charge_email;
  } else {
    const Role* role = rules.FindRole(category.in_charge);
    if (role == nullptr) {
      return InternalError(fmt::format("{}: category '{}' names unknown role '{}'",
                                       rules.source_name, category.name, category.in_charge));
    }
    in_charge_name = role->person;
    in_charge_email = role->email;
  }

  const std::optional<size_t> max_peers = request.max_peers ? request.max_peers : config.max_peers;
  auto peers = store::FindPeers(rdb, *device, max_peers);
  if (!peers.ok()) return peers.status();

  std::vector<store::ClaimDevice> devices;
  devices.reserve(peers->size() + 1);
  devices.push_back(*device);
  devices.insert(devices.end(), peers->begin(), peers->end());

  CollectOptions options;
  options.engine = poller.engine;
  options.profiles = &poller.profiles;
  options.deadline = request.deadline.value_or(config.deadline);
  options.clock = &clock;
  auto collected = CollectItems(devices, items, options);
  if (!collected.ok()) return collected.status();

  // Rates per day from the history, for counters that have one.
  std::vector<ItemRates> rates;
  const DateYmd today = LocalDate(clock.Now());
  const DateYmd from = DateFromDays(DaysFromDate(today) - config.rate_days + 1);
  std::vector<int64_t> ids;
  for (const store::ClaimDevice& d : devices) ids.push_back(d.device_id);
  for (const ItemDef* item : items) {
    if (item->rate_metric.empty()) continue;
    auto r = store::MeanDailyTotals(rdb, ids, item->rate_metric, from, today);
    if (!r.ok()) return r.status();
    rates.push_back({item->name, std::move(*r)});
  }
  reader->reset();

  ClaimOutcome outcome;
  store::ClaimRecord& claim = outcome.claim;
  claim.created_at = UnixSeconds(clock);
  claim.customer_user_id = device->customer_user_id;
  claim.device_id = device->device_id;
  claim.device_kind = std::string(store::DeviceKindName(device->kind));
  claim.model = device->model;
  claim.category = category.name;
  claim.category_title = category.title;
  claim.symptom = render::CleanUtf8(request.symptom, kMaxSymptomBytes);
  claim.matched_terms = JoinComma(chosen->matched_terms);
  claim.in_charge_name = in_charge_name;
  claim.in_charge_email = in_charge_email;
  claim.deadline_ms = options.deadline.count();
  claim.completed = collected->completed;
  claim.devices = std::move(collected->devices);
  claim.values = std::move(collected->values);
  claim.stats = ComputeClaimStats(items, claim.devices, claim.values, rates);
  claim.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();

  auto writer =
      store::Db::OpenWriter(config.database, store::OpenMode::kMustExist, config.busy_timeout);
  if (!writer.ok()) return writer.status();
  store::Db& wdb = **writer;
  PERISCOPE_RETURN_IF_ERROR(store::InTransaction(wdb, [&]() -> Status {
    auto id = store::InsertClaimInTransaction(wdb, claim);
    if (!id.ok()) return id.status();
    claim.id = *id;
    if (!request.notify) return Status::Ok();
    ClaimMail body = RenderClaimMail(claim);
    mail::Message message;
    message.from = {config.mail.from_name, config.mail.from_email};
    message.to = {{claim.in_charge_name, claim.in_charge_email}};
    message.subject = body.subject;
    message.text_body = body.text;
    message.html_body = body.html;
    message.date = clock.Now();
    auto row = mail::PrepareOutboxMail(message, "claim", clock);
    if (!row.ok()) return row.status();
    auto outbox_id = store::InsertOutboxMail(wdb, *row, UnixSeconds(clock));
    if (!outbox_id.ok()) return outbox_id.status();
    claim.outbox_id = *outbox_id;
    return store::SetClaimOutbox(wdb, claim.id, *outbox_id);
  }));

  if (request.notify && deps.mailer != nullptr) {
    auto delivered = mail::DeliverDue(wdb, *deps.mailer, clock, mail::RetryPolicyOf(config.mail));
    if (!delivered.ok()) {
      outcome.problems.push_back("mail: " + delivered.status().message());
    } else {
      outcome.delivery = *delivered;
      if (delivered->retried > 0 || delivered->failed > 0 || delivered->unknown > 0) {
        outcome.problems.push_back(fmt::format(
            "mail: {} to retry later, {} failed, {} unknown (see 'periscope-report outbox')",
            delivered->retried, delivered->failed, delivered->unknown));
      }
    }
  }

  if (!config.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config.output_dir, ec);
    const std::string path = fmt::format("{}/claim-{}.html", config.output_dir, claim.id);
    Status s =
        ec ? UnavailableError(fmt::format("cannot create {}: {}", config.output_dir, ec.message()))
           : WriteFileAtomically(path, RenderClaimHtml(claim));
    if (s.ok()) {
      outcome.html_path = path;
    } else {
      outcome.problems.push_back("html page: " + s.message());
    }
  }
  return outcome;
}

}  // namespace periscope::claimtool
