#include "store/proposals.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include "core/clock.h"

namespace periscope::store {
namespace {

constexpr std::array<std::string_view, 8> kKinds = {
    "capacity", "cache", "successor", "firmware", "volume", "host-storage", "host-cpu", "link"};
constexpr std::array<std::string_view, 6> kStatuses = {"new",      "mailed",   "inquired",
                                                       "accepted", "declined", "expired"};
constexpr const char* kOpen = "('new', 'mailed', 'inquired')";

bool IsOpen(std::string_view status) {
  return status == "new" || status == "mailed" || status == "inquired";
}

bool Contains(const auto& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// "supply-<N>": a printer supply's proposal, N its prtMarkerSuppliesIndex (1..).
bool IsSupplyKind(std::string_view kind) {
  constexpr std::string_view kPrefix = "supply-";
  if (!kind.starts_with(kPrefix) || kind.size() == kPrefix.size() || kind.size() > 17) return false;
  std::string_view digits = kind.substr(kPrefix.size());
  return digits[0] != '0' &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status ValidateDrafts(const std::vector<ProposalDraftRow>& drafts) {
  std::set<std::string> kinds;
  for (const ProposalDraftRow& d : drafts) {
    if (!Contains(kKinds, d.kind) && !IsSupplyKind(d.kind)) {
      return InvalidArgumentError(
          fmt::format("proposal draft: unknown kind '{}' (capacity, cache, successor, firmware, "
                      "volume, supply-<N>, host-storage, host-cpu or link)",
                      d.kind));
    }
    if (!kinds.insert(d.kind).second) {
      return InvalidArgumentError(fmt::format("proposal draft: two drafts of kind '{}'", d.kind));
    }
    if (d.quantity < 1) {
      return InvalidArgumentError(
          fmt::format("proposal draft {}: quantity {} is not positive", d.kind, d.quantity));
    }
  }
  return Status::Ok();
}

struct OpenRow {
  int64_t id = 0;
  std::string material_key;
  std::optional<int64_t> needed_by;
};

// Whether the draft differs materially from the open proposal.
bool IsMaterialChange(const OpenRow& open, const ProposalDraftRow& d) {
  if (open.material_key != d.material_key) return true;
  if (open.needed_by.has_value() != d.needed_by.has_value()) return true;
  if (!open.needed_by) return false;
  if (!IsValidDate(static_cast<DateYmd>(*open.needed_by)) ||
      !IsValidDate(static_cast<DateYmd>(*d.needed_by))) {
    return *open.needed_by != *d.needed_by;
  }
  const int64_t moved = DaysFromDate(static_cast<DateYmd>(*d.needed_by)) -
                        DaysFromDate(static_cast<DateYmd>(*open.needed_by));
  return moved > d.needed_by_tolerance_days || -moved > d.needed_by_tolerance_days;
}

Result<std::optional<OpenRow>> FindOpen(Db& db, int64_t device_id, std::string_view kind) {
  auto stmt = db.Prepare(fmt::format(
      "SELECT id, material_key, needed_by FROM proposals WHERE device_id = ? AND kind = ? AND "
      "status IN {}",
      kOpen));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device_id).Bind(2, kind);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<OpenRow>();
  OpenRow open{stmt->Int(0), stmt->Text(1), std::nullopt};
  if (!stmt->IsNull(2)) open.needed_by = stmt->Int(2);
  return std::optional<OpenRow>(std::move(open));
}

Result<bool> ClosedWithSameKey(Db& db, int64_t device_id, const ProposalDraftRow& d) {
  auto stmt = db.Prepare(
      "SELECT 1 FROM proposals WHERE device_id = ? AND kind = ? AND material_key = ? "
      "AND status IN ('declined', 'accepted') LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device_id).Bind(2, d.kind).Bind(3, d.material_key);
  return stmt->Step();
}

Status Refresh(Db& db, int64_t id, const ProposalDraftRow& d, int64_t now_s) {
  auto stmt = db.Prepare(
      "UPDATE proposals SET product_name = ?, unit_price_minor_units = ?, price_minor_units = ?, "
      "currency = ?, confidence = ?, summary = ?, evidence_json = ?, checked_at = ? WHERE id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, d.product_name)
      .Bind(2, d.unit_price_minor_units)
      .Bind(3, d.price_minor_units)
      .Bind(4, d.currency)
      .Bind(5, d.confidence)
      .Bind(6, d.summary)
      .Bind(7, d.evidence_json)
      .Bind(8, now_s)
      .Bind(9, id);
  return stmt->Run();
}

Status Change(Db& db, int64_t id, const ProposalDraftRow& d, int64_t now_s) {
  auto stmt = db.Prepare(
      "UPDATE proposals SET product_number = ?, product_name = ?, quantity = ?, "
      "unit_price_minor_units = ?, price_minor_units = ?, currency = ?, needed_by = ?, "
      "confidence = ?, summary = ?, evidence_json = ?, material_key = ?, "
      "revision = revision + 1, changed_at = ?, checked_at = ? WHERE id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, d.product_number)
      .Bind(2, d.product_name)
      .Bind(3, d.quantity)
      .Bind(4, d.unit_price_minor_units)
      .Bind(5, d.price_minor_units)
      .Bind(6, d.currency)
      .Bind(7, d.needed_by)
      .Bind(8, d.confidence)
      .Bind(9, d.summary)
      .Bind(10, d.evidence_json)
      .Bind(11, d.material_key)
      .Bind(12, now_s)
      .Bind(13, now_s)
      .Bind(14, id);
  return stmt->Run();
}

Status Insert(Db& db, int64_t device_id, int64_t customer_id, const ProposalDraftRow& d,
              int64_t now_s) {
  auto stmt = db.Prepare(
      "INSERT INTO proposals (device_id, customer_id, kind, status, product_number, product_name, "
      "quantity, unit_price_minor_units, price_minor_units, currency, needed_by, confidence, "
      "summary, evidence_json, material_key, revision, mailed_revision, raised_at, changed_at, "
      "checked_at) VALUES (?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device_id)
      .Bind(2, customer_id)
      .Bind(3, d.kind)
      .Bind(4, d.product_number)
      .Bind(5, d.product_name)
      .Bind(6, d.quantity)
      .Bind(7, d.unit_price_minor_units)
      .Bind(8, d.price_minor_units)
      .Bind(9, d.currency)
      .Bind(10, d.needed_by)
      .Bind(11, d.confidence)
      .Bind(12, d.summary)
      .Bind(13, d.evidence_json)
      .Bind(14, d.material_key)
      .Bind(15, now_s)
      .Bind(16, now_s)
      .Bind(17, now_s);
  return stmt->Run();
}

Status ExpireMissingKinds(Db& db, int64_t device_id, const std::vector<ProposalDraftRow>& drafts,
                          int64_t now_s, int* expired) {
  auto open = db.Prepare(
      fmt::format("SELECT id, kind FROM proposals WHERE device_id = ? AND status IN {}", kOpen));
  if (!open.ok()) return open.status();
  open->Bind(1, device_id);
  std::vector<int64_t> gone;
  while (true) {
    auto row = open->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string kind = open->Text(1);
    bool wanted = std::any_of(drafts.begin(), drafts.end(),
                              [&](const ProposalDraftRow& d) { return d.kind == kind; });
    if (!wanted) gone.push_back(open->Int(0));
  }
  for (int64_t id : gone) {
    auto stmt = db.Prepare(
        "UPDATE proposals SET status = 'expired', closed_at = ?, checked_at = ? "
        "WHERE id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, now_s).Bind(2, now_s).Bind(3, id);
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
    ++*expired;
  }
  return Status::Ok();
}

StoredProposal ReadRow(const Stmt& s) {
  StoredProposal p;
  int c = 0;
  p.id = s.Int(c++);
  p.device_id = s.Int(c++);
  p.customer_id = s.Int(c++);
  p.customer_user_id = s.Text(c++);
  p.customer_name = s.Text(c++);
  p.sales_name = s.IsNull(c) ? std::string() : s.Text(c);
  ++c;
  p.sales_email = s.IsNull(c) ? std::string() : s.Text(c);
  ++c;
  p.device_serial = s.Text(c++);
  p.kind = s.Text(c++);
  p.status = s.Text(c++);
  p.product_number = s.Text(c++);
  p.product_name = s.Text(c++);
  p.quantity = s.Int(c++);
  p.unit_price_minor_units = s.Int(c++);
  p.price_minor_units = s.Int(c++);
  p.currency = s.Text(c++);
  if (!s.IsNull(c)) p.needed_by = s.Int(c);
  ++c;
  p.confidence = s.Text(c++);
  p.summary = s.Text(c++);
  p.evidence_json = s.Text(c++);
  p.material_key = s.Text(c++);
  p.revision = s.Int(c++);
  p.mailed_revision = s.Int(c++);
  p.raised_at = s.Int(c++);
  p.changed_at = s.Int(c++);
  p.checked_at = s.Int(c++);
  if (!s.IsNull(c)) p.closed_at = s.Int(c);
  return p;
}

}  // namespace

Result<SyncOutcome> SyncDeviceProposals(Db& db, int64_t device_id, int64_t customer_id,
                                        const std::vector<ProposalDraftRow>& drafts,
                                        int64_t now_s) {
  PERISCOPE_RETURN_IF_ERROR(ValidateDrafts(drafts));
  SyncOutcome outcome;
  Status s = InTransaction(db, [&]() -> Status {
    for (const ProposalDraftRow& d : drafts) {
      auto open = FindOpen(db, device_id, d.kind);
      if (!open.ok()) return open.status();
      if (open->has_value()) {
        if (!IsMaterialChange(**open, d)) {
          PERISCOPE_RETURN_IF_ERROR(Refresh(db, (*open)->id, d, now_s));
          ++outcome.unchanged;
        } else {
          PERISCOPE_RETURN_IF_ERROR(Change(db, (*open)->id, d, now_s));
          ++outcome.changed;
        }
        continue;
      }
      auto closed = ClosedWithSameKey(db, device_id, d);
      if (!closed.ok()) return closed.status();
      if (*closed) {
        ++outcome.suppressed;
        continue;
      }
      PERISCOPE_RETURN_IF_ERROR(Insert(db, device_id, customer_id, d, now_s));
      ++outcome.raised;
    }
    return ExpireMissingKinds(db, device_id, drafts, now_s, &outcome.expired);
  });
  if (!s.ok()) return s.WithPrefix(fmt::format("proposals of device {}", device_id));
  return outcome;
}

Result<std::vector<StoredProposal>> ListProposals(Db& db, const ProposalFilter& filter) {
  std::string sql =
      "SELECT p.id, p.device_id, p.customer_id, c.user_id, c.name, s.name, s.email, "
      "d.serial_number, p.kind, p.status, p.product_number, p.product_name, p.quantity, "
      "p.unit_price_minor_units, p.price_minor_units, p.currency, p.needed_by, p.confidence, "
      "p.summary, p.evidence_json, p.material_key, p.revision, p.mailed_revision, p.raised_at, "
      "p.changed_at, p.checked_at, p.closed_at "
      "FROM proposals p JOIN customers c ON c.id = p.customer_id "
      "JOIN devices d ON d.id = p.device_id LEFT JOIN staff s ON s.id = c.sales_staff_id "
      "WHERE 1 = 1";
  if (filter.customer_user_id) sql += " AND c.user_id = ?";
  if (filter.sales_email) sql += " AND s.email = ?";
  if (filter.device_id) sql += " AND p.device_id = ?";
  for (const std::string& status : filter.statuses) {
    if (!Contains(kStatuses, status)) {
      return InvalidArgumentError(fmt::format("proposals: unknown status '{}'", status));
    }
  }
  if (!filter.statuses.empty()) {
    sql += " AND p.status IN (?";
    for (size_t i = 1; i < filter.statuses.size(); ++i) sql += ", ?";
    sql += ")";
  }
  if (filter.only_unmailed) {
    sql += fmt::format(" AND p.revision > p.mailed_revision AND p.status IN {}", kOpen);
  }
  sql += " ORDER BY p.needed_by IS NULL, p.needed_by, p.id";
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int n = 1;
  if (filter.customer_user_id) stmt->Bind(n++, *filter.customer_user_id);
  if (filter.sales_email) stmt->Bind(n++, *filter.sales_email);
  if (filter.device_id) stmt->Bind(n++, *filter.device_id);
  for (const std::string& status : filter.statuses) stmt->Bind(n++, status);
  std::vector<StoredProposal> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadRow(*stmt));
  }
  return out;
}

Status SetProposalStatus(Db& db, int64_t id, std::string_view status, int64_t now_s) {
  if (!Contains(kStatuses, status)) {
    return InvalidArgumentError(
        fmt::format("proposal {}: unknown status '{}' (new, mailed, inquired, accepted, declined)",
                    id, status));
  }
  return InTransaction(db, [&]() -> Status {
    auto find = db.Prepare("SELECT status FROM proposals WHERE id = ?");
    if (!find.ok()) return find.status();
    find->Bind(1, id);
    auto row = find->Step();
    if (!row.ok()) return row.status();
    if (!*row) return NotFoundError(fmt::format("proposal {}: no such proposal", id));
    const std::string from = find->Text(0);
    if (from == status) return Status::Ok();
    auto refuse = [&](std::string_view why) {
      return FailedPreconditionError(fmt::format(
          "proposal {}: cannot change status from {} to {} ({})", id, from, status, why));
    };
    if (!IsOpen(from)) return refuse(fmt::format("{} is final", from));
    if (status == "expired") return refuse("only the daily run expires a proposal");
    if (status == "new") return refuse("a proposal never goes back to new");
    if (status == "mailed" && from != "new") return refuse("it was already mailed");
    const bool closes = status == "accepted" || status == "declined";
    auto update = db.Prepare("UPDATE proposals SET status = ?, closed_at = ? WHERE id = ?");
    if (!update.ok()) return update.status();
    update->Bind(1, status);
    if (closes) {
      update->Bind(2, now_s);
    } else {
      update->BindNull(2);
    }
    update->Bind(3, id);
    return update->Run();
  });
}

Status MarkProposalMailed(Db& db, int64_t proposal_id, int64_t revision) {
  auto find = db.Prepare("SELECT revision FROM proposals WHERE id = ?");
  if (!find.ok()) return find.status();
  find->Bind(1, proposal_id);
  auto row = find->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError(fmt::format("proposal {}: no such proposal", proposal_id));
  const int64_t current = find->Int(0);
  if (revision < 1 || revision > current) {
    return InvalidArgumentError(
        fmt::format("proposal {}: revision {} was never raised (current revision {})", proposal_id,
                    revision, current));
  }
  auto update = db.Prepare(
      "UPDATE proposals SET mailed_revision = CASE WHEN ?1 > mailed_revision THEN ?1 "
      "ELSE mailed_revision END, "
      "status = CASE status WHEN 'new' THEN 'mailed' ELSE status END WHERE id = ?2");
  if (!update.ok()) return update.status();
  update->Bind(1, revision).Bind(2, proposal_id);
  return update->Run();
}

Result<int> ExpireProposalsOfRetiredDevices(Db& db, int64_t now_s) {
  int expired = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto stmt = db.Prepare(fmt::format(
        "UPDATE proposals SET status = 'expired', closed_at = ?, checked_at = ? "
        "WHERE status IN {} AND device_id IN (SELECT id FROM devices WHERE retired_at IS NOT "
        "NULL)",
        kOpen));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, now_s).Bind(2, now_s);
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
    expired = static_cast<int>(db.Changes());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return expired;
}

}  // namespace periscope::store
