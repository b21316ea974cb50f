#include "reports/run.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "core/files.h"
#include "core/log.h"
#include "core/strings.h"
#include "core/thread_pool.h"
#include "mail/mailer.h"
#include "mail/message.h"
#include "mail/outbox.h"
#include "render/html.h"
#include "reports/forecast.h"
#include "reports/inquiry.h"
#include "reports/mail_body.h"
#include "reports/proposals.h"
#include "reports/report_export.h"
#include "reports/report_html.h"
#include "store/inquiries.h"
#include "store/outbox.h"
#include "store/proposals.h"
#include "store/report_data.h"

namespace periscope::reports {
namespace {

forecast::Options ForecastOptions(const ReportConfig& config) {
  forecast::Options o;
  o.threshold_pct = config.threshold_pct;
  o.horizon_days = config.horizon_days;
  o.min_days = config.min_days;
  return o;
}

SpecView ToSpecView(const store::DeviceSpec& s) {
  SpecView v;
  v.product_name = s.product_name;
  v.model = s.model;
  v.product_number = s.product_number;
  v.configuration = s.configuration;
  v.firmware = s.firmware;
  v.capacity_bytes = s.capacity_bytes;
  v.cache_bytes = s.cache_bytes;
  if (s.sale_date) v.sale_date = static_cast<uint32_t>(*s.sale_date);
  v.price_minor_units = s.price_minor_units;
  v.currency = s.currency;
  return v;
}

// The device's view: its history with the capacity in effect each day, and
// its forecasts. Days after `today` are left out (a what-if run for a past day).
DeviceView BuildDeviceView(store::DeviceHistory&& h, const ReportConfig& config,
                           const Catalog& catalog, uint32_t today) {
  DeviceView v;
  v.device_id = h.device_id;
  v.target = fmt::format("{}:{}", h.address, h.port);
  v.device_index = h.device_index;
  v.serial_number = std::move(h.serial_number);
  v.retired = h.retired;
  v.threshold_pct = config.threshold_pct;
  v.rated_pct = config.rated_pct;
  if (!h.specs.empty()) v.spec = ToSpecView(h.specs.back().spec);
  v.peripheral = ToPeripheralView(h, today);
  if (v.peripheral) {
    // Peripherals have no PERISCOPE-MIB history; their figures are per metric.
    v.capacity.ok = false;
    v.capacity.reason = fmt::format("{}: no capacity forecast (see its own figures)",
                                    store::DeviceKindName(v.peripheral->kind));
    return v;
  }
  std::vector<forecast::UsageDay> usage;
  std::vector<forecast::LoadDay> load;
  usage.reserve(h.days.size());
  load.reserve(h.days.size());
  v.history.reserve(h.days.size());
  size_t spec = 0;
  for (const store::DailyRow& y : h.days) {
    if (y.date > today) break;
    // The spec in effect: the newest first seen on or before the day; days
    // before the first spec row take the first one.
    while (spec + 1 < h.specs.size() && h.specs[spec + 1].from_date <= y.date) ++spec;
    DayFigures f;
    f.date = static_cast<uint32_t>(y.date);
    f.used_bytes = y.used_bytes;
    if (!h.specs.empty()) f.capacity_bytes = h.specs[spec].spec.capacity_bytes;
    f.load_peak = y.load_peak;
    f.load_avg_centi = y.load_avg_centi;
    f.intervals = y.intervals;
    const int64_t day = DaysFromDate(f.date);
    forecast::UsageDay u;
    u.day = day;
    if (y.used_bytes) u.used_bytes = static_cast<double>(*y.used_bytes);
    if (f.capacity_bytes) u.capacity_bytes = static_cast<double>(*f.capacity_bytes);
    usage.push_back(u);
    forecast::LoadDay l;
    l.day = day;
    if (y.load_peak) l.load_peak = static_cast<double>(*y.load_peak);
    load.push_back(l);
    v.history.push_back(f);
  }
  const forecast::Options options = ForecastOptions(config);
  v.capacity = forecast::ForecastCapacity(usage, options);
  if (!v.spec) {
    v.capacity.ok = false;
    v.capacity.reason = "no specification received from the device yet";
  }
  if (v.spec) {
    if (const Product* model = catalog.Find(v.spec->model)) {
      if (model->latest_firmware) v.latest_firmware = model->latest_firmware->version;
      if (model->rated_load > 0) {
        v.rated_load = static_cast<double>(model->rated_load);
        v.load = forecast::ForecastLoad(load, *v.rated_load, config.rated_pct, options);
      }
    }
  }
  return v;
}

ProposalRules RulesOf(const ReportConfig& config) {
  ProposalRules r;
  r.threshold_pct = config.threshold_pct;
  r.planning_horizon_days = config.planning_horizon_days;
  r.growth_months = config.growth_months;
  r.load_near_rated_pct = config.rated_pct;
  r.recent_load_days = config.recent_load_days;
  r.forecast = ForecastOptions(config);
  return r;
}

// The store row of a draft. A needed-by date may wobble by a week, or by a
// tenth of the time left when the need is further away, before the proposal
// counts as changed (and is mailed again).
store::ProposalDraftRow ToDraftRow(const ProposalDraft& d, uint32_t today) {
  store::ProposalDraftRow r;
  r.kind = d.kind;
  r.product_number = d.product_number;
  r.product_name = d.product_name;
  r.quantity = d.quantity;
  r.unit_price_minor_units = d.unit_price_minor_units;
  r.price_minor_units = d.price_minor_units;
  r.currency = d.currency;
  if (d.needed_by) r.needed_by = *d.needed_by;
  r.confidence = d.confidence;
  r.summary = d.summary;
  r.evidence_json = d.evidence_json;
  r.material_key = d.material_key;
  if (d.needed_by && IsValidDate(*d.needed_by) && IsValidDate(today)) {
    const int64_t days_left = DaysFromDate(*d.needed_by) - DaysFromDate(today);
    r.needed_by_tolerance_days = std::max<int64_t>(7, days_left / 10);
  }
  return r;
}

FleetRow ToFleetRow(const DeviceView& d, const store::DeviceHistory& owner, uint32_t today,
                    int open_proposals) {
  FleetRow r;
  r.customer_user_id = owner.customer_user_id;
  r.customer_name = owner.customer_name;
  r.sales_name = owner.sales_name;
  r.sales_email = owner.sales_email;
  r.device_id = d.device_id;
  r.serial_number = d.serial_number;
  r.target = d.target;
  if (d.spec) {
    r.model = d.spec->model;
    r.capacity_bytes = d.spec->capacity_bytes;
  }
  if (d.peripheral && d.peripheral->spec) r.model = d.peripheral->spec->model;
  for (auto it = d.history.rbegin(); it != d.history.rend(); ++it) {
    if (it->used_bytes) {
      r.used_bytes = it->used_bytes;
      break;
    }
  }
  r.open_proposals = open_proposals;
  if (!d.capacity.ok) {
    r.reason = d.capacity.reason;
    return r;
  }
  if (!d.capacity.crossings.empty()) {
    const forecast::Crossing& c = d.capacity.crossings[0];
    r.days_to_threshold = c.days;
    r.lower_days = c.lower_days;
    r.upper_days = c.upper_days;
    if (c.days) {
      // Days count from the last day of the history, which may be before today.
      const int64_t date_days = d.capacity.last_day + static_cast<int64_t>(std::llround(*c.days));
      r.threshold_date = DateFromDays(date_days);
      const double behind = static_cast<double>(DaysFromDate(today) - d.capacity.last_day);
      r.days_to_threshold = std::max(0.0, *c.days - behind);
      if (r.lower_days) r.lower_days = std::max(0.0, *r.lower_days - behind);
      if (r.upper_days) r.upper_days = std::max(0.0, *r.upper_days - behind);
    }
  }
  if (!r.days_to_threshold) r.reason = d.capacity.reason;
  return r;
}

// A peripheral has no capacity forecast: its place in the fleet view is its
// most urgent proposal's needed-by date (a need already here ranks first).
void RankPeripheralByNeed(const DeviceProposals& proposals, uint32_t today, FleetRow* row) {
  std::optional<int64_t> soonest;
  const ProposalDraft* which = nullptr;
  for (const ProposalDraft& d : proposals.drafts) {
    if (!d.needed_by || !IsValidDate(*d.needed_by) || !IsValidDate(today)) continue;
    const int64_t days = std::max<int64_t>(0, DaysFromDate(*d.needed_by) - DaysFromDate(today));
    if (!soonest || days < *soonest) {
      soonest = days;
      which = &d;
    }
  }
  if (!soonest) {
    row->reason = proposals.drafts.empty() ? "no need forecast within the horizon"
                                           : "proposed without a date (see proposals)";
    return;
  }
  row->days_to_threshold = static_cast<double>(*soonest);
  row->threshold_date = *which->needed_by;
  row->reason.clear();
}

void SortFleet(std::vector<FleetRow>* rows) {
  std::stable_sort(rows->begin(), rows->end(), [](const FleetRow& a, const FleetRow& b) {
    if (a.days_to_threshold.has_value() != b.days_to_threshold.has_value()) {
      return a.days_to_threshold.has_value();
    }
    if (a.days_to_threshold && *a.days_to_threshold != *b.days_to_threshold) {
      return *a.days_to_threshold < *b.days_to_threshold;
    }
    return a.device_id < b.device_id;
  });
}

std::string LocalTimeText(const Clock& clock) { return FormatLocalTime(clock.Now()); }

}  // namespace

std::vector<SiteConfig> SiteConfigsOf(const ReportConfig& config) {
  std::vector<SiteConfig> sites;
  for (const SiteSettings& s : config.sites) {
    SiteConfig c;
    c.name = s.name;
    c.url = s.url;
    c.timeout = std::chrono::milliseconds(s.timeout_ms);
    sites.push_back(std::move(c));
  }
  return sites;
}

namespace {

ProposalView ToProposalView(const store::StoredProposal& p) {
  ProposalView v;
  v.id = p.id;
  v.device_id = p.device_id;
  v.device_serial = p.device_serial;
  v.kind = p.kind;
  v.status = p.status;
  v.product_number = p.product_number;
  v.product_name = p.product_name;
  v.quantity = p.quantity;
  v.unit_price_minor_units = p.unit_price_minor_units;
  v.price_minor_units = p.price_minor_units;
  v.currency = p.currency;
  if (p.needed_by) v.needed_by = static_cast<uint32_t>(*p.needed_by);
  v.confidence = p.confidence;
  v.summary = p.summary;
  v.evidence_json = p.evidence_json;
  v.revision = p.revision;
  v.changed = p.revision > p.mailed_revision;
  return v;
}

// The customer's open proposals (and those closed within the last 30 days),
// each with its inquiries' answers.
Result<std::vector<ProposalView>> LoadProposalViews(store::Db& db, const std::string& user_id,
                                                    int64_t now_s) {
  store::ProposalFilter filter;
  filter.customer_user_id = user_id;
  auto proposals = store::ListProposals(db, filter);
  if (!proposals.ok()) return proposals.status();
  store::InquiryFilter inquiry_filter;
  inquiry_filter.customer_user_id = user_id;
  auto inquiries = store::ListInquiries(db, inquiry_filter);
  if (!inquiries.ok()) return inquiries.status();
  std::map<int64_t, std::vector<InquiryAnswerView>> answers;
  for (const store::InquiryRow& q : *inquiries) {
    for (const store::InquiryAnswerRow& a : q.answers) {
      InquiryAnswerView v;
      v.inquiry_key = q.inquiry_key;
      v.site = a.site;
      v.state = a.state;
      v.in_stock = a.in_stock;
      v.quantity_available = a.quantity_available;
      v.retailer = a.retailer;
      v.delivery_date = a.delivery_date;
      v.message = a.message;
      answers[q.proposal_id].push_back(std::move(v));
    }
  }
  constexpr int64_t kClosedShownS = 30 * 86400;
  std::vector<ProposalView> out;
  for (const store::StoredProposal& p : *proposals) {
    if (p.closed_at && *p.closed_at < now_s - kClosedShownS) continue;
    ProposalView v = ToProposalView(p);
    if (auto it = answers.find(p.id); it != answers.end()) v.answers = it->second;
    out.push_back(std::move(v));
  }
  return out;
}

Status EnsureDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return UnavailableError(
        fmt::format("{}: cannot create directory: {}", path, std::strerror(errno)));
  }
  return Status::Ok();
}

// A file name for an untrusted identifier, one to one: [A-Za-z0-9.-] kept,
// anything else (the escape character '_' too) as _XX, never a leading dot;
// a name over 200 bytes is cut and ends in a hash of the whole identifier.
std::string SafeFileName(std::string_view id) {
  std::string out;
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || (c == '.' && !out.empty())) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("_{:02X}", c);
    }
  }
  if (out.empty()) out = "_";
  if (out.size() > 200)
    out = fmt::format("{}_{:016x}", out.substr(0, 180), std::hash<std::string_view>{}(id));
  return out;
}

Status WriteReportFiles(const std::string& base, const std::string& html, const std::string& csv,
                        const std::string& json, const std::string& metrics_csv = "") {
  PERISCOPE_RETURN_IF_ERROR(WriteFileAtomically(base + ".html", html));
  PERISCOPE_RETURN_IF_ERROR(WriteFileAtomically(base + ".csv", csv));
  // Customers always have one (a header at least); fleet views none.
  if (!metrics_csv.empty()) {
    PERISCOPE_RETURN_IF_ERROR(WriteFileAtomically(base + "-metrics.csv", metrics_csv));
  }
  return WriteFileAtomically(base + ".json", json);
}

// One mail per sales person listing their unmailed proposals; the mail is
// queued and the proposals marked mailed in one transaction, so a crash never
// mails a revision twice or loses one.
Status QueueProposalMails(store::Db& db, const ReportConfig& config, const RunOptions& options,
                          const Clock& clock, uint32_t today, RunSummary* summary) {
  store::ProposalFilter filter;
  filter.only_unmailed = true;
  if (!options.customer_user_id.empty()) filter.customer_user_id = options.customer_user_id;
  if (!options.sales_email.empty()) filter.sales_email = options.sales_email;
  auto proposals = store::ListProposals(db, filter);
  if (!proposals.ok()) return proposals.status();
  std::map<std::string, std::vector<const store::StoredProposal*>> by_sales;
  std::map<std::string, int> unassigned;
  for (const store::StoredProposal& p : *proposals) {
    if (p.sales_email.empty()) {
      ++unassigned[p.customer_user_id];
    } else {
      by_sales[p.sales_email].push_back(&p);
    }
  }
  for (const auto& [customer, count] : unassigned) {
    summary->warnings.push_back(fmt::format(
        "customer {}: no sales person assigned; {} proposals not mailed", customer, count));
  }
  const int64_t now_s = UnixSeconds(clock);
  for (const auto& [email, list] : by_sales) {
    ProposalMailInput input;
    input.to.name = list.front()->sales_name;
    input.to.email = email;
    input.today = today;
    input.data_note = config.data_note;
    input.report_hint = config.output_dir;
    std::vector<MailProposal> items;
    std::map<int64_t, const store::StoredProposal*> by_id;
    for (const store::StoredProposal* p : list) {
      MailProposal item;
      item.customer_user_id = p->customer_user_id;
      item.customer_name = p->customer_name;
      item.proposal = ToProposalView(*p);
      item.is_new = p->mailed_revision == 0;
      items.push_back(std::move(item));
      by_id[p->id] = p;
    }
    // A mail lists at most max_proposals, the most urgent; the others
    // stay unmailed and lead the next run's mail (all are in the reports).
    items = SortForMail(items);
    const auto max_proposals = static_cast<size_t>(config.mail.max_proposals);
    if (items.size() > max_proposals) {
      input.report_hint =
          fmt::format("{} more proposals follow in the next mail; all are in the reports under {}",
                      items.size() - max_proposals, config.output_dir);
      items.resize(max_proposals);
    }
    std::vector<const store::StoredProposal*> listed;
    for (const MailProposal& item : items) listed.push_back(by_id.at(item.proposal.id));
    input.items = std::move(items);
    MailBody body = RenderProposalMail(input);
    mail::Message message;
    message.from = {config.mail.from_name, config.mail.from_email};
    message.to = {{input.to.name, email}};
    message.subject = ProposalMailSubject(input);
    message.text_body = body.text;
    message.html_body = body.html;
    message.date = clock.Now();
    auto prepared = mail::PrepareOutboxMail(message, "proposals", clock);
    if (!prepared.ok()) {
      summary->problems.push_back(
          fmt::format("mail to {}: {}", CleanText(email, '?'), prepared.status().message()));
      continue;
    }
    Status s = store::InTransaction(db, [&]() -> Status {
      auto id = store::InsertOutboxMail(db, *prepared, now_s);
      if (!id.ok()) return id.status();
      for (const store::StoredProposal* p : listed) {
        PERISCOPE_RETURN_IF_ERROR(store::LinkOutboxProposal(db, *id, p->id, p->revision));
        PERISCOPE_RETURN_IF_ERROR(store::MarkProposalMailed(db, p->id, p->revision));
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    ++summary->mails_queued;
  }
  return Status::Ok();
}

}  // namespace

std::string SummaryLine(const RunSummary& s) {
  return fmt::format(
      "periscope-report: {} customers, {} devices ({} forecasts, {} without, {} peripherals); "
      "proposals: {} new, "
      "{} changed, {} unchanged, {} expired; {} reports; mail: {} queued, {} sent, {} to retry, "
      "{} failed; {} inquiry answers refreshed; {} problems",
      s.customers, s.devices, s.forecasts, s.no_forecast, s.peripherals, s.raised, s.changed,
      s.unchanged, s.expired, s.reports_written, s.mails_queued, s.mails_sent, s.mails_retried,
      s.mails_failed, s.inquiries_refreshed, s.problems.size());
}

Result<FleetReport> BuildFleetReport(store::Db& db, const ReportConfig& config,
                                     const Catalog& catalog, const std::string& sales_email,
                                     uint32_t today) {
  FleetReport report;
  report.today = today;
  report.generated_at = LocalTimeText(SystemClock::Instance());
  report.sales_filter = sales_email;
  report.threshold_pct = config.threshold_pct;
  report.data_note = config.data_note;
  store::HistoryFilter filter;
  filter.sales_email = sales_email;
  store::ProposalFilter open;
  open.statuses = {"new", "mailed", "inquired"};
  if (!sales_email.empty()) open.sales_email = sales_email;
  auto proposals = store::ListProposals(db, open);
  if (!proposals.ok()) return proposals.status();
  std::map<int64_t, int> open_by_device;
  for (const store::StoredProposal& p : *proposals) ++open_by_device[p.device_id];
  Status s = store::ForEachDeviceHistory(db, filter, [&](store::DeviceHistory&& h) -> Status {
    store::DeviceHistory owner;
    owner.customer_user_id = h.customer_user_id;
    owner.customer_name = h.customer_name;
    owner.sales_name = h.sales_name;
    owner.sales_email = h.sales_email;
    const int64_t device_id = h.device_id;
    DeviceView v = BuildDeviceView(std::move(h), config, catalog, today);
    report.rows.push_back(ToFleetRow(v, owner, today, open_by_device[device_id]));
    if (v.peripheral) {
      RankPeripheralByNeed(ProposeForPeripheral(v, catalog, RulesOf(config), today), today,
                           &report.rows.back());
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  SortFleet(&report.rows);
  return report;
}

Result<CustomerReport> BuildCustomerReport(store::Db& db, const ReportConfig& config,
                                           const Catalog& catalog, const std::string& user_id,
                                           uint32_t today) {
  if (user_id.empty()) return InvalidArgumentError("customer user ID is empty");
  store::HistoryFilter filter;
  filter.customer_user_id = user_id;
  auto customers = store::ListCustomerSummaries(db, filter);
  if (!customers.ok()) return customers.status();
  if (customers->empty()) return NotFoundError(fmt::format("customer '{}' not found", user_id));
  const store::CustomerSummary& c = customers->front();
  CustomerReport report;
  report.user_id = c.user_id;
  report.name = c.name;
  report.contact_person = c.contact_person;
  if (!c.sales_email.empty()) report.sales = StaffView{c.sales_name, c.sales_email};
  report.today = today;
  report.generated_at = LocalTimeText(SystemClock::Instance());
  report.data_note = config.data_note;
  Status s = store::ForEachDeviceHistory(db, filter, [&](store::DeviceHistory&& h) -> Status {
    report.devices.push_back(BuildDeviceView(std::move(h), config, catalog, today));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  auto proposals = LoadProposalViews(db, user_id, UnixSeconds(SystemClock::Instance()));
  if (!proposals.ok()) return proposals.status();
  report.proposals = std::move(*proposals);
  return report;
}

Result<RunSummary> RunReports(store::Db& db, const ReportConfig& config, const Catalog& catalog,
                              const RunOptions& options, const RunDeps& deps) {
  const Clock& clock = deps.clock ? *deps.clock : SystemClock::Instance();
  RunSummary summary;
  summary.output_dir = config.output_dir;
  const uint32_t today = options.today ? options.today : LocalDate(clock.Now());
  const int64_t now_s = UnixSeconds(clock);
  const std::string generated_at = LocalTimeText(clock);

  // 1. Answers the sites still owe.
  if (deps.http && !config.sites.empty()) {
    auto refreshed = RefreshPendingInquiries(db, SiteConfigsOf(config), *deps.http, clock);
    if (refreshed.ok()) {
      summary.inquiries_refreshed = *refreshed;
    } else {
      summary.problems.push_back("inquiries: " + refreshed.status().message());
    }
  }

  // Retired devices are left out of the run below; their needs went away.
  auto retired = store::ExpireProposalsOfRetiredDevices(db, now_s);
  if (!retired.ok()) return retired.status();
  summary.expired += *retired;

  if (options.write_reports) {
    PERISCOPE_RETURN_IF_ERROR(EnsureDirectory(config.output_dir));
    PERISCOPE_RETURN_IF_ERROR(EnsureDirectory(config.output_dir + "/customers"));
    PERISCOPE_RETURN_IF_ERROR(EnsureDirectory(config.output_dir + "/sales"));
  }

  // 2. Per customer: forecasts, proposals, the report. The store is read and
  // written on this thread only; forecasts and proposal rules (pure) run on
  // the pool and this thread together, and each customer's report is rendered
  // and written on the pool while the next customer is computed.
  const ProposalRules rules = RulesOf(config);
  ThreadPool pool(options.threads);
  std::vector<FleetRow> fleet;
  std::vector<std::pair<std::string, std::string>> customer_links;
  std::map<std::string, std::string> sales_names;
  struct Rendering {
    std::string user_id, link_text;
    std::shared_ptr<Status> result;
    std::future<void> done;
  };
  std::deque<Rendering> rendering;
  // Bounds the customers held in memory while their reports are written.
  const size_t max_rendering = pool.size() + 2;
  auto collect_oldest = [&] {
    Rendering r = std::move(rendering.front());
    rendering.pop_front();
    r.done.wait();
    if (r.result->ok()) {
      ++summary.reports_written;
      customer_links.emplace_back(SafeFileName(r.user_id), r.link_text);
    } else {
      summary.problems.push_back(fmt::format("report of {}: {}", r.user_id, r.result->message()));
    }
  };

  std::vector<store::DeviceHistory> batch;
  std::map<std::string, int> skipped;  // why a rule could not be applied, and how often
  auto process_customer = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    CustomerReport report;
    const store::DeviceHistory& first = batch.front();
    report.user_id = first.customer_user_id;
    report.name = first.customer_name;
    report.contact_person = first.contact_person;
    if (!first.sales_email.empty()) {
      report.sales = StaffView{first.sales_name, first.sales_email};
      sales_names[first.sales_email] = first.sales_name;
    }
    report.today = today;
    report.generated_at = generated_at;
    report.data_note = config.data_note;
    const int64_t customer_id = first.customer_id;
    const std::string first_user_id = first.customer_user_id;
    store::DeviceHistory owner;
    owner.customer_user_id = first.customer_user_id;
    owner.customer_name = first.customer_name;
    owner.sales_name = first.sales_name;
    owner.sales_email = first.sales_email;

    std::vector<DeviceView> views(batch.size());
    std::vector<DeviceProposals> drafts(batch.size());
    std::vector<std::string> failed(batch.size());
    std::vector<int64_t> device_ids;
    for (const store::DeviceHistory& h : batch) device_ids.push_back(h.device_id);
    pool.ParallelFor(batch.size(), [&](size_t i) {
      try {
        views[i] = BuildDeviceView(std::move(batch[i]), config, catalog, today);
        drafts[i] = views[i].peripheral ? ProposeForPeripheral(views[i], catalog, rules, today)
                                        : ProposeForDevice(views[i], catalog, rules, today);
      } catch (const std::exception& e) {
        failed[i] = e.what();
      }
    });
    for (size_t i = 0; i < failed.size(); ++i) {
      if (!failed[i].empty()) {
        summary.problems.push_back(fmt::format("device {} of {}: {}", device_ids[i], first_user_id,
                                               CleanText(failed[i], '?')));
      }
    }
    for (const DeviceProposals& d : drafts) {
      for (const std::string& why : d.skipped) ++skipped[why];
    }
    batch.clear();

    std::map<int64_t, size_t> fleet_row_of_device;
    for (size_t i = 0; i < views.size(); ++i) {
      // A device whose computation failed keeps its proposals as they are.
      if (!failed[i].empty()) continue;
      const DeviceView& v = views[i];
      ++summary.devices;
      if (v.peripheral) {
        ++summary.peripherals;
      } else if (v.capacity.ok) {
        ++summary.forecasts;
      } else {
        ++summary.no_forecast;
      }
      std::vector<store::ProposalDraftRow> rows;
      for (const ProposalDraft& d : drafts[i].drafts) rows.push_back(ToDraftRow(d, today));
      auto synced = store::SyncDeviceProposals(db, v.device_id, customer_id, rows, now_s);
      if (!synced.ok()) return synced.status();
      summary.raised += synced->raised;
      summary.changed += synced->changed;
      summary.unchanged += synced->unchanged;
      summary.expired += synced->expired;
      summary.suppressed += synced->suppressed;
      fleet_row_of_device[v.device_id] = fleet.size();
      fleet.push_back(ToFleetRow(v, owner, today, 0));
      if (v.peripheral) RankPeripheralByNeed(drafts[i], today, &fleet.back());
    }
    auto proposals = LoadProposalViews(db, report.user_id, now_s);
    if (!proposals.ok()) return proposals.status();
    report.proposals = std::move(*proposals);
    for (const ProposalView& p : report.proposals) {
      if (p.status != "new" && p.status != "mailed" && p.status != "inquired") continue;
      if (auto it = fleet_row_of_device.find(p.device_id); it != fleet_row_of_device.end()) {
        ++fleet[it->second].open_proposals;
      }
    }
    ++summary.customers;
    if (options.progress) {
      *options.progress << fmt::format("periscope-report: {} ({} devices, {} proposals)\n",
                                       report.user_id, views.size(), report.proposals.size());
    }
    if (!options.write_reports) return Status::Ok();
    for (size_t i = 0; i < views.size(); ++i) {
      if (failed[i].empty()) report.devices.push_back(std::move(views[i]));
    }
    if (rendering.size() >= max_rendering) collect_oldest();
    Rendering r;
    r.user_id = report.user_id;
    r.link_text = report.user_id + " " + report.name;
    r.result = std::make_shared<Status>();
    const std::string base = config.output_dir + "/customers/" + SafeFileName(report.user_id);
    r.done = pool.Submit([base, result = r.result,
                          report = std::make_shared<CustomerReport>(std::move(report))] {
      *result = WriteReportFiles(base, RenderCustomerHtml(*report), RenderCustomerCsv(*report),
                                 RenderCustomerJson(*report), RenderCustomerMetricsCsv(*report));
    });
    rendering.push_back(std::move(r));
    return Status::Ok();
  };

  store::HistoryFilter filter;
  filter.customer_user_id = options.customer_user_id;
  filter.sales_email = options.sales_email;
  Status walked = store::ForEachDeviceHistory(db, filter, [&](store::DeviceHistory&& h) -> Status {
    if (!batch.empty() && batch.front().customer_user_id != h.customer_user_id) {
      PERISCOPE_RETURN_IF_ERROR(process_customer());
    }
    batch.push_back(std::move(h));
    return Status::Ok();
  });
  if (walked.ok()) walked = process_customer();
  while (!rendering.empty()) collect_oldest();
  if (!walked.ok()) return walked;
  // The reasons are per device; the run reports each distinct one once.
  constexpr size_t kMaxSkippedReasons = 20;
  for (const auto& [why, count] : skipped) {
    if (summary.warnings.size() >= kMaxSkippedReasons) {
      summary.warnings.push_back(fmt::format("... and {} more kinds of skipped proposal rules",
                                             skipped.size() - kMaxSkippedReasons));
      break;
    }
    summary.warnings.push_back(fmt::format("{} device(s): {}", count, CleanText(why, '?')));
  }

  // 3. The fleet view, whole and per sales person.
  if (options.write_reports) {
    FleetReport report;
    report.today = today;
    report.generated_at = generated_at;
    report.threshold_pct = config.threshold_pct;
    report.data_note = config.data_note;
    report.rows = std::move(fleet);
    SortFleet(&report.rows);
    std::vector<std::pair<std::string, std::string>> sales_links;
    for (const auto& [email, name] : sales_names) {
      FleetReport mine = report;
      mine.sales_filter = email;
      std::erase_if(mine.rows, [&](const FleetRow& r) { return r.sales_email != email; });
      const std::string file = SafeFileName(email);
      Status s = WriteReportFiles(config.output_dir + "/sales/" + file, RenderFleetHtml(mine),
                                  RenderFleetCsv(mine), RenderFleetJson(mine));
      if (s.ok()) {
        sales_links.emplace_back(file, name + " <" + email + ">");
      } else {
        summary.problems.push_back(fmt::format("fleet report of {}: {}", email, s.message()));
      }
    }
    Status s = WriteReportFiles(config.output_dir + "/fleet", RenderFleetHtml(report),
                                RenderFleetCsv(report), RenderFleetJson(report));
    if (!s.ok()) summary.problems.push_back("fleet report: " + s.message());
    s = WriteFileAtomically(
        config.output_dir + "/index.html",
        RenderIndexHtml({customer_links, sales_links, generated_at, config.data_note}));
    if (!s.ok()) summary.problems.push_back("index: " + s.message());
  }

  // 4. Mail to the sales persons, then deliver what is due.
  if (options.send_mail) {
    PERISCOPE_RETURN_IF_ERROR(QueueProposalMails(db, config, options, clock, today, &summary));
    if (deps.mailer) {
      auto delivered = mail::DeliverDue(db, *deps.mailer, clock, mail::RetryPolicyOf(config.mail));
      if (!delivered.ok()) return delivered.status();
      summary.mails_sent = delivered->sent;
      summary.mails_retried = delivered->retried;
      summary.mails_failed = delivered->failed;
      if (delivered->retried > 0) {
        summary.problems.push_back(fmt::format(
            "mail: {} messages could not be sent now and stay queued", delivered->retried));
      }
      if (delivered->failed > 0) {
        summary.problems.push_back(
            fmt::format("mail: {} messages failed for good (see "
                        "'periscope-report outbox')",
                        delivered->failed));
      }
      if (delivered->unknown > 0) {
        summary.problems.push_back(
            fmt::format("mail: {} messages were interrupted while sending and are not resent "
                        "automatically (see 'periscope-report outbox')",
                        delivered->unknown));
      }
    }
  }
  return summary;
}

}  // namespace periscope::reports
