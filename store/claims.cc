#include "store/claims.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "store/registry.h"

namespace periscope::store {
namespace {

// The devices as the claim tool sees them. The model is the device's latest
// spec (the newest seen_from, then the newest row), from device_specs for
// periscope devices and peripheral_specs for the others; '' when none was
// recorded yet. Callers add a WHERE clause on the outer query (columns of
// `dev`).
constexpr const char* kDeviceSelect = R"sql(
SELECT dev.id, dev.kind, dev.model, dev.serial_number, dev.device_index, dev.target_id,
       dev.address, dev.port, dev.profile, dev.enabled, dev.user_id, dev.customer_name,
       dev.last_seen, dev.retired_at
FROM (
  SELECT d.id, d.kind, d.serial_number, d.device_index, d.target_id, t.address, t.port,
         t.profile, t.enabled, c.id AS customer_id, c.user_id, c.name AS customer_name,
         d.last_seen, d.retired_at,
         COALESCE(CASE WHEN d.kind = 'periscope'
           THEN (SELECT x.model FROM device_specs x WHERE x.device_id = d.id
                 ORDER BY x.seen_from DESC, x.id DESC LIMIT 1)
           ELSE (SELECT y.model FROM peripheral_specs y WHERE y.device_id = d.id
                 ORDER BY y.seen_from DESC, y.id DESC LIMIT 1) END, '') AS model
  FROM devices d JOIN targets t ON t.id = d.target_id JOIN customers c ON c.id = t.customer_id
) dev
)sql";

ClaimDevice ReadDevice(const Stmt& st) {
  ClaimDevice d;
  d.device_id = st.Int(0);
  // The schema's CHECK admits only the four names.
  d.kind = ParseDeviceKind(st.Text(1)).value_or(DeviceKind::kPeriscope);
  d.model = st.Text(2);
  d.serial_number = st.Text(3);
  d.device_index = st.Int(4);
  d.target_id = st.Int(5);
  d.address = st.Text(6);
  d.port = static_cast<int>(st.Int(7));
  d.profile = st.Text(8);
  d.target_enabled = st.Int(9) != 0;
  d.customer_user_id = st.Text(10);
  d.customer_name = st.Text(11);
  d.last_seen = st.Int(12);
  if (!st.IsNull(13)) d.retired_at = st.Int(13);
  return d;
}

Result<std::vector<ClaimDevice>> ReadDevices(Stmt& st) {
  std::vector<ClaimDevice> out;
  while (true) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadDevice(st));
  }
  return out;
}

std::optional<double> OptDouble(const Stmt& st, int column) {
  if (st.IsNull(column)) return std::nullopt;
  return st.Double(column);
}

// The customer's row id; NotFound naming the user ID when there is none.
Result<int64_t> CustomerId(Db& db, const std::string& customer_user_id) {
  auto st = db.Prepare("SELECT id FROM customers WHERE user_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, customer_user_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError(fmt::format("customer '{}' does not exist", customer_user_id));
  return st->Int(0);
}

// "192.0.2.7:161:1", "[2001:db8::7]:161:1": the device in the form
// FindClaimDevice accepts.
std::string DeviceAddress(const ClaimDevice& d) {
  const bool v6 = d.address.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}:{}", v6 ? "[" : "", d.address, v6 ? "]" : "", d.port,
                     d.device_index);
}

// A decimal number in [min, max] without sign or leading junk.
std::optional<int64_t> ParseDecimal(std::string_view s, int64_t min, int64_t max) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return v;
}

struct TargetIndex {
  std::string address;  // canonical
  int port = 161;
  int64_t device_index = 0;
};

// Parses "address:index", "address:port:index", "[v6]:index" and
// "[v6]:port:index". An IPv6 address must be in brackets (an unbracketed one
// cannot be told from a port). nullopt, with the reason in *why, when `text`
// is not of that form.
std::optional<TargetIndex> ParseTargetIndex(std::string_view text, std::string* why) {
  const size_t last = text.rfind(':');
  if (last == std::string_view::npos) {
    why->clear();  // a serial number only
    return std::nullopt;
  }
  TargetIndex out;
  auto index = ParseDecimal(text.substr(last + 1), 0, std::numeric_limits<int64_t>::max());
  if (!index) {
    *why = "the device index after the last ':' is not a number";
    return std::nullopt;
  }
  out.device_index = *index;
  std::string_view rest = text.substr(0, last);
  std::string_view address;
  std::optional<std::string_view> port;  // set when the text names one
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      *why = "no ']' after the IPv6 address";
      return std::nullopt;
    }
    address = rest.substr(1, close - 1);
    if (address.find(':') == std::string_view::npos) {
      *why = "brackets hold an IPv6 address only";
      return std::nullopt;
    }
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        *why = "text after ']' is not ':port'";
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      address = rest;
    } else if (rest.find(':', colon + 1) == std::string_view::npos) {
      address = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    } else {
      *why = "an IPv6 address must be written in brackets ([2001:db8::7]:161:1)";
      return std::nullopt;
    }
  }
  if (port) {
    auto p = ParseDecimal(*port, 1, 65535);
    if (!p) {
      *why = "the port is not a number from 1 to 65535";
      return std::nullopt;
    }
    out.port = static_cast<int>(*p);
  }
  auto canonical = CanonicalTargetAddress(address);
  if (!canonical.ok()) {
    *why = canonical.status().message();
    return std::nullopt;
  }
  out.address = std::move(*canonical);
  return out;
}

bool KnownKind(std::string_view kind) { return ParseDeviceKind(kind).has_value(); }

Status ValidateClaim(const ClaimRecord& claim) {
  if (!KnownKind(claim.device_kind)) {
    return InvalidArgumentError(fmt::format(
        "claim: device kind '{}' is not periscope, printer, host or network", claim.device_kind));
  }
  for (size_t i = 0; i < claim.devices.size(); ++i) {
    const std::string& role = claim.devices[i].role;
    if (role != "claimed" && role != "peer") {
      return InvalidArgumentError(
          fmt::format("claim: device {} (serial '{}'): role '{}' is not claimed or peer", i + 1,
                      claim.devices[i].serial_number, role));
    }
  }
  return Status::Ok();
}

int64_t Bool(bool b) { return b ? 1 : 0; }

// No limit is the largest LIMIT (SQLite's LIMIT -1 is an error in PostgreSQL).
constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

int64_t SqlLimit(size_t n) {
  return n > static_cast<size_t>(kNoLimit) ? kNoLimit : static_cast<int64_t>(n);
}

}  // namespace

Result<ClaimDevice> FindClaimDevice(Db& db, const std::string& customer_user_id,
                                    const std::string& device) {
  auto customer = CustomerId(db, customer_user_id);
  if (!customer.ok()) return customer.status();

  // A serial number first: serials are what customers read off a label.
  auto by_serial = db.Prepare(std::string(kDeviceSelect) +
                              "WHERE dev.customer_id = ? AND dev.serial_number = ? "
                              "ORDER BY dev.address, dev.port, dev.device_index, dev.id");
  if (!by_serial.ok()) return by_serial.status();
  by_serial->Bind(1, *customer).Bind(2, device);
  auto found = ReadDevices(*by_serial);
  if (!found.ok()) return found.status();
  if (found->size() == 1) return std::move(found->front());
  if (found->size() > 1) {
    std::string where;
    for (const ClaimDevice& d : *found) {
      if (!where.empty()) where += ", ";
      where += DeviceAddress(d);
    }
    return FailedPreconditionError(fmt::format(
        "customer '{}': serial number '{}' is on {} devices ({}); name one as target:index",
        customer_user_id, device, found->size(), where));
  }

  std::string why;
  std::optional<TargetIndex> target = ParseTargetIndex(device, &why);
  if (!target) {
    if (why.empty()) {
      return NotFoundError(fmt::format("customer '{}' has no device with serial number '{}'",
                                       customer_user_id, device));
    }
    return NotFoundError(
        fmt::format("customer '{}' has no device '{}' (no such serial number; as target:index: {})",
                    customer_user_id, device, why));
  }
  // Several devices at one target and index are the same slot over time (a
  // replaced device keeps its index with a new serial): the active one, then
  // the most recently seen.
  auto by_target =
      db.Prepare(std::string(kDeviceSelect) +
                 "WHERE dev.customer_id = ? AND dev.address = ? AND dev.port = ? "
                 "AND dev.device_index = ? "
                 "ORDER BY dev.retired_at IS NULL DESC, dev.last_seen DESC, dev.id DESC LIMIT 1");
  if (!by_target.ok()) return by_target.status();
  by_target->Bind(1, *customer).Bind(2, target->address);
  by_target->Bind(3, int64_t{target->port}).Bind(4, target->device_index);
  auto at_target = ReadDevices(*by_target);
  if (!at_target.ok()) return at_target.status();
  if (at_target->empty()) {
    return NotFoundError(fmt::format("customer '{}' has no device '{}'", customer_user_id, device));
  }
  return std::move(at_target->front());
}

Result<std::vector<ClaimDevice>> ListCustomerDevices(Db& db, const std::string& customer_user_id) {
  auto customer = CustomerId(db, customer_user_id);
  if (!customer.ok()) return customer.status();
  auto st = db.Prepare(std::string(kDeviceSelect) +
                       "WHERE dev.customer_id = ? "
                       "ORDER BY dev.address, dev.port, dev.target_id, dev.device_index, dev.id");
  if (!st.ok()) return st.status();
  st->Bind(1, *customer);
  return ReadDevices(*st);
}

Result<std::vector<ClaimDevice>> FindPeers(Db& db, const ClaimDevice& claimed,
                                           std::optional<size_t> max_peers) {
  // Without a recorded model nothing is "the same model".
  if (claimed.model.empty()) return std::vector<ClaimDevice>{};
  auto st = db.Prepare(std::string(kDeviceSelect) +
                       "WHERE dev.kind = ? AND dev.model = ? AND dev.retired_at IS NULL "
                       "AND dev.enabled = 1 AND dev.id <> ? "
                       "ORDER BY dev.last_seen DESC, dev.id LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, DeviceKindName(claimed.kind)).Bind(2, claimed.model).Bind(3, claimed.device_id);
  st->Bind(4, max_peers ? SqlLimit(*max_peers) : kNoLimit);
  return ReadDevices(*st);
}

Result<std::vector<DailyRate>> MeanDailyTotals(Db& db, const std::vector<int64_t>& device_ids,
                                               std::string_view metric, int64_t from_date,
                                               int64_t to_date) {
  // A day counts when any of its instances covered an interval; its figure is
  // the sum over instances.
  auto st = db.Prepare(
      "SELECT avg(day_total), count(*) FROM ("
      "  SELECT sum(total) AS day_total FROM metric_daily "
      "  WHERE device_id = ? AND metric = ? AND date BETWEEN ? AND ? "
      "  GROUP BY date HAVING sum(intervals) > 0) AS days");
  if (!st.ok()) return st.status();
  std::vector<DailyRate> out;
  std::set<int64_t> seen;
  for (int64_t id : device_ids) {
    if (!seen.insert(id).second) continue;
    st->Reset();
    st->Bind(1, id).Bind(2, metric).Bind(3, from_date).Bind(4, to_date);
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row || st->Int(1) == 0) continue;
    out.push_back(DailyRate{id, st->Double(0), static_cast<int>(st->Int(1))});
  }
  st->Reset();
  return out;
}

Result<int64_t> InsertClaimInTransaction(Db& db, const ClaimRecord& claim) {
  PERISCOPE_RETURN_IF_ERROR(ValidateClaim(claim));
  auto customer = CustomerId(db, claim.customer_user_id);
  if (!customer.ok()) return customer.status().WithPrefix("claim");

  auto head = db.Prepare(
      "INSERT INTO claims (created_at, customer_id, device_id, device_kind, model, category, "
      "category_title, symptom, matched_terms, in_charge_name, in_charge_email, deadline_ms, "
      "elapsed_ms, completed, outbox_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id");
  if (!head.ok()) return head.status();
  head->Bind(1, claim.created_at).Bind(2, *customer).Bind(3, claim.device_id);
  head->Bind(4, claim.device_kind).Bind(5, claim.model).Bind(6, claim.category);
  head->Bind(7, claim.category_title).Bind(8, claim.symptom).Bind(9, claim.matched_terms);
  head->Bind(10, claim.in_charge_name).Bind(11, claim.in_charge_email);
  head->Bind(12, claim.deadline_ms).Bind(13, claim.elapsed_ms).Bind(14, Bool(claim.completed));
  head->Bind(15, claim.outbox_id);
  auto inserted = head->RunReturningId();
  if (!inserted.ok()) return inserted.status();
  const int64_t id = *inserted;

  auto devices = db.Prepare(
      "INSERT INTO claim_devices (claim_id, seq, device_id, role, customer_user_id, "
      "serial_number, endpoint, answered, error_class, error, read_at, elapsed_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!devices.ok()) return devices.status();
  for (size_t i = 0; i < claim.devices.size(); ++i) {
    const ClaimDeviceRecord& d = claim.devices[i];
    devices->Reset();
    devices->Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, d.device_id).Bind(4, d.role);
    devices->Bind(5, d.customer_user_id).Bind(6, d.serial_number).Bind(7, d.endpoint);
    devices->Bind(8, Bool(d.answered)).Bind(9, d.error_class).Bind(10, d.error);
    devices->Bind(11, d.read_at).Bind(12, d.elapsed_ms);
    PERISCOPE_RETURN_IF_ERROR(devices->Run());
  }

  auto values = db.Prepare(
      "INSERT INTO claim_values (claim_id, seq, device_id, item, instance, number, text, "
      "problem, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!values.ok()) return values.status();
  for (size_t i = 0; i < claim.values.size(); ++i) {
    const ClaimValueRecord& v = claim.values[i];
    values->Reset();
    values->Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, v.device_id).Bind(4, v.item);
    values->Bind(5, v.instance).BindDouble(6, v.number).Bind(7, v.text).Bind(8, v.problem);
    values->Bind(9, v.read_at);
    PERISCOPE_RETURN_IF_ERROR(values->Run());
  }

  auto stats = db.Prepare(
      "INSERT INTO claim_stats (claim_id, seq, item, instance, measure, label, unit, example, "
      "numeric, claimed_number, claimed_text, n, mean, median, sd, min, max, z, robust_z, "
      "percentile, most_common, most_common_count, differs, meaningful, flagged) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!stats.ok()) return stats.status();
  for (size_t i = 0; i < claim.stats.size(); ++i) {
    const ClaimStatRecord& s = claim.stats[i];
    stats->Reset();
    stats->Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, s.item).Bind(4, s.instance);
    stats->Bind(5, s.measure).Bind(6, s.label).Bind(7, s.unit).Bind(8, Bool(s.example));
    stats->Bind(9, Bool(s.numeric)).BindDouble(10, s.claimed_number).Bind(11, s.claimed_text);
    stats->Bind(12, s.n).BindDouble(13, s.mean).BindDouble(14, s.median).BindDouble(15, s.sd);
    stats->BindDouble(16, s.min).BindDouble(17, s.max).BindDouble(18, s.z);
    stats->BindDouble(19, s.robust_z).BindDouble(20, s.percentile).Bind(21, s.most_common);
    stats->Bind(22, s.most_common_count).Bind(23, Bool(s.differs));
    stats->Bind(24, Bool(s.meaningful)).Bind(25, Bool(s.flagged));
    PERISCOPE_RETURN_IF_ERROR(stats->Run());
  }
  return id;
}

Result<int64_t> InsertClaim(Db& db, const ClaimRecord& claim) {
  int64_t id = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto inserted = InsertClaimInTransaction(db, claim);
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return id;
}

Status SetClaimOutbox(Db& db, int64_t claim_id, int64_t outbox_id) {
  auto st = db.Prepare("UPDATE claims SET outbox_id = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, outbox_id).Bind(2, claim_id);
  PERISCOPE_RETURN_IF_ERROR(st->Run());
  if (db.Changes() == 0) return NotFoundError(fmt::format("claim {} does not exist", claim_id));
  return Status::Ok();
}

Result<ClaimRecord> LoadClaim(Db& db, int64_t claim_id) {
  auto head = db.Prepare(
      "SELECT cl.id, cl.created_at, c.user_id, cl.device_id, cl.device_kind, cl.model, "
      "cl.category, cl.category_title, cl.symptom, cl.matched_terms, cl.in_charge_name, "
      "cl.in_charge_email, cl.deadline_ms, cl.elapsed_ms, cl.completed, cl.outbox_id "
      "FROM claims cl JOIN customers c ON c.id = cl.customer_id WHERE cl.id = ?");
  if (!head.ok()) return head.status();
  head->Bind(1, claim_id);
  auto row = head->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError(fmt::format("claim {} does not exist", claim_id));
  ClaimRecord c;
  c.id = head->Int(0);
  c.created_at = head->Int(1);
  c.customer_user_id = head->Text(2);
  c.device_id = head->Int(3);
  c.device_kind = head->Text(4);
  c.model = head->Text(5);
  c.category = head->Text(6);
  c.category_title = head->Text(7);
  c.symptom = head->Text(8);
  c.matched_terms = head->Text(9);
  c.in_charge_name = head->Text(10);
  c.in_charge_email = head->Text(11);
  c.deadline_ms = head->Int(12);
  c.elapsed_ms = head->Int(13);
  c.completed = head->Int(14) != 0;
  if (!head->IsNull(15)) c.outbox_id = head->Int(15);
  head->Reset();

  auto devices = db.Prepare(
      "SELECT device_id, role, customer_user_id, serial_number, endpoint, answered, "
      "error_class, error, read_at, elapsed_ms FROM claim_devices WHERE claim_id = ? "
      "ORDER BY seq");
  if (!devices.ok()) return devices.status();
  devices->Bind(1, claim_id);
  while (true) {
    auto next = devices->Step();
    if (!next.ok()) return next.status();
    if (!*next) break;
    ClaimDeviceRecord d;
    d.device_id = devices->Int(0);
    d.role = devices->Text(1);
    d.customer_user_id = devices->Text(2);
    d.serial_number = devices->Text(3);
    d.endpoint = devices->Text(4);
    d.answered = devices->Int(5) != 0;
    d.error_class = devices->Text(6);
    d.error = devices->Text(7);
    d.read_at = devices->Int(8);
    d.elapsed_ms = devices->Int(9);
    c.devices.push_back(std::move(d));
  }

  auto values = db.Prepare(
      "SELECT device_id, item, instance, number, text, problem, read_at FROM claim_values "
      "WHERE claim_id = ? ORDER BY seq");
  if (!values.ok()) return values.status();
  values->Bind(1, claim_id);
  while (true) {
    auto next = values->Step();
    if (!next.ok()) return next.status();
    if (!*next) break;
    ClaimValueRecord v;
    v.device_id = values->Int(0);
    v.item = values->Text(1);
    v.instance = values->Text(2);
    v.number = OptDouble(*values, 3);
    v.text = values->Text(4);
    v.problem = values->Text(5);
    v.read_at = values->Int(6);
    c.values.push_back(std::move(v));
  }

  auto stats = db.Prepare(
      "SELECT item, instance, measure, label, unit, example, numeric, claimed_number, "
      "claimed_text, n, mean, median, sd, min, max, z, robust_z, percentile, most_common, "
      "most_common_count, differs, meaningful, flagged FROM claim_stats WHERE claim_id = ? "
      "ORDER BY seq");
  if (!stats.ok()) return stats.status();
  stats->Bind(1, claim_id);
  while (true) {
    auto next = stats->Step();
    if (!next.ok()) return next.status();
    if (!*next) break;
    ClaimStatRecord s;
    s.item = stats->Text(0);
    s.instance = stats->Text(1);
    s.measure = stats->Text(2);
    s.label = stats->Text(3);
    s.unit = stats->Text(4);
    s.example = stats->Int(5) != 0;
    s.numeric = stats->Int(6) != 0;
    s.claimed_number = OptDouble(*stats, 7);
    s.claimed_text = stats->Text(8);
    s.n = stats->Int(9);
    s.mean = OptDouble(*stats, 10);
    s.median = OptDouble(*stats, 11);
    s.sd = OptDouble(*stats, 12);
    s.min = OptDouble(*stats, 13);
    s.max = OptDouble(*stats, 14);
    s.z = OptDouble(*stats, 15);
    s.robust_z = OptDouble(*stats, 16);
    s.percentile = OptDouble(*stats, 17);
    s.most_common = stats->Text(18);
    s.most_common_count = stats->Int(19);
    s.differs = stats->Int(20) != 0;
    s.meaningful = stats->Int(21) != 0;
    s.flagged = stats->Int(22) != 0;
    c.stats.push_back(std::move(s));
  }
  return c;
}

Result<std::vector<ClaimSummary>> ListClaims(Db& db, const ClaimFilter& filter) {
  std::optional<int64_t> customer;
  if (!filter.customer_user_id.empty()) {
    auto id = CustomerId(db, filter.customer_user_id);
    if (!id.ok()) return id.status();
    customer = *id;
  }
  auto st = db.Prepare(
      "SELECT cl.id, cl.created_at, c.user_id, d.serial_number, cl.model, cl.category, "
      "cl.in_charge_email, "
      "(SELECT count(*) FROM claim_devices cd WHERE cd.claim_id = cl.id AND cd.role = 'peer'), "
      "(SELECT count(*) FROM claim_devices cd WHERE cd.claim_id = cl.id AND cd.role = 'peer' "
      " AND cd.answered = 1), "
      "(SELECT count(*) FROM claim_stats cs WHERE cs.claim_id = cl.id AND cs.flagged = 1) "
      "FROM claims cl JOIN customers c ON c.id = cl.customer_id "
      "JOIN devices d ON d.id = cl.device_id "
      "WHERE (CAST(?1 AS BIGINT) IS NULL OR cl.customer_id = ?1) "
      "AND (CAST(?2 AS BIGINT) IS NULL OR cl.created_at >= ?2) "
      "ORDER BY cl.created_at DESC, cl.id DESC LIMIT ?3");
  if (!st.ok()) return st.status();
  st->Bind(1, customer).Bind(2, filter.since).Bind(3, SqlLimit(filter.limit));
  std::vector<ClaimSummary> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ClaimSummary s;
    s.id = st->Int(0);
    s.created_at = st->Int(1);
    s.customer_user_id = st->Text(2);
    s.serial_number = st->Text(3);
    s.model = st->Text(4);
    s.category = st->Text(5);
    s.in_charge_email = st->Text(6);
    s.peers = st->Int(7);
    s.peers_answered = st->Int(8);
    s.flagged = st->Int(9);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace periscope::store
