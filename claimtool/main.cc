// periscope-claim: from a customer's complaint to peer-compared maintenance
// data, stored and mailed to the person in charge (seed 003, issue 8). Thin:
// parses flags, loads the configs and the rules, runs one command and maps the
// result to an exit code.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "claimtool/claim.h"
#include "claimtool/config.h"
#include "claimtool/render.h"
#include "claimtool/rules.h"
#include "core/cli_args.h"
#include "core/clock.h"
#include "core/exit_codes.h"
#include "core/log.h"
#include "core/strings.h"
#include "mail/settings.h"
#include "poller/config.h"
#include "store/claims.h"
#include "store/db.h"
#include "store/db_config.h"
#include "store/schema.h"

#ifndef PERISCOPE_SYSCONFDIR
#define PERISCOPE_SYSCONFDIR "/etc/periscope"
#endif
#ifndef PERISCOPE_STATEDIR
#define PERISCOPE_STATEDIR "/var/lib/periscope"
#endif

namespace {

using periscope::kExitFailure;
using periscope::kExitIncomplete;
using periscope::kExitOk;
using periscope::kExitUsage;
using periscope::Result;
using periscope::Status;
using periscope::StatusCode;
namespace claimtool = periscope::claimtool;
namespace store = periscope::store;

constexpr const char* kHelp =
    "usage: periscope-claim [-c|--config FILE] [--db DB] [--rules FILE] COMMAND ...\n"
    "\n"
    "From a customer's complaint, reads the maintenance items it needs from the\n"
    "claimed device and from other customers' devices of the same model, compares\n"
    "them item by item, stores the claim and mails the person in charge.\n"
    "\n"
    "commands:\n"
    "  [new] --customer ID --device SERIAL|TARGET:INDEX (--symptom TEXT | --category NAME)\n"
    "        [--max-peers N] [--deadline-ms MS] [--in-charge EMAIL] [--no-mail]\n"
    "        [--format text|json|html]\n"
    "        make a claim; the table (or JSON/HTML) goes to stdout\n"
    "  new --file CLAIM.xml [...]   the claim from a file (<claim customer= device=\n"
    "        category=><symptom>...</symptom></claim>)\n"
    "  show ID [--format text|json|html]   a stored claim, as it was made\n"
    "  list [--customer ID] [--limit N] [--format text|json]\n"
    "  categories                   the rules' categories, their kinds, terms and items\n"
    "  check-rules [FILE]           check a rule file (default: the configured one)\n"
    "\n"
    "options:\n"
    "  -c, --config FILE  default " PERISCOPE_SYSCONFDIR
    "/periscope-claim.xml (built-in defaults when absent)\n"
    "  --db DB         the store, overriding the config: an SQLite file or a\n"
    "                  postgresql:// URI (its password in ~/.pgpass or PGPASSFILE)\n"
    "  --rules FILE    the claim rules (overrides the config)\n"
    "\n"
    "exit status: 0 ok; 1 the job failed (store, SMTP setup...); 2 usage, configuration,\n"
    "unknown customer, device or category, or a symptom matching no category (the\n"
    "message lists what exists); 3 the claim was stored but is incomplete: the claimed\n"
    "device did not answer, or the deadline cut the reading short\n";

constexpr std::string_view kProgram = "periscope-claim";
int Usage(const std::string& message) { return periscope::UsageError(kProgram, message); }
int Fail(const Status& s) { return periscope::FailWith(kProgram, s); }
void Print(const std::string& text) { periscope::PrintFlushed(text); }

Result<std::string> RenderAs(const store::ClaimRecord& claim, const std::string& format) {
  if (format == "text") return claimtool::RenderClaimText(claim);
  if (format == "json") return claimtool::RenderClaimJson(claim) + "\n";
  if (format == "html") return claimtool::RenderClaimHtml(claim);
  return periscope::InvalidArgumentError("--format: expected text, json or html");
}

int ListCategories(const claimtool::ClaimRules& rules) {
  for (const claimtool::Category& c : rules.categories) {
    std::string kinds, terms, items;
    for (store::DeviceKind k : c.kinds)
      kinds += fmt::format("{}{}", kinds.empty() ? "" : ",", store::DeviceKindName(k));
    for (const auto& t : c.terms_en) terms += (terms.empty() ? "" : ", ") + t;
    for (const auto& t : c.terms_ja) terms += (terms.empty() ? "" : ", ") + t;
    for (const auto& i : c.items) items += (items.empty() ? "" : ", ") + i;
    std::printf("%s (%s) for %s, in charge: %s\n  terms: %s\n  items: %s\n", c.name.c_str(),
                c.title.c_str(), kinds.c_str(), c.in_charge.c_str(), terms.c_str(), items.c_str());
  }
  return kExitOk;
}

int NewClaim(const claimtool::ClaimConfig& config, const claimtool::ClaimRules& rules,
             const std::vector<std::string>& rest) {
  auto args =
      periscope::ParseCliArgs(rest,
                              {"--customer", "--device", "--symptom", "--category", "--max-peers",
                               "--deadline-ms", "--in-charge", "--format", "--file"},
                              {"--no-mail"});
  if (!args.ok()) return Usage(args.status().message());
  if (!args->positional.empty()) return Usage("unexpected argument " + args->positional[0]);
  claimtool::ClaimRequest request;
  if (args->Has("--file")) {
    auto loaded = claimtool::LoadClaimFile(args->Value("--file"));
    if (!loaded.ok()) return Usage(loaded.status().message());
    request = std::move(*loaded);
  }
  if (args->Has("--customer")) request.customer = args->Value("--customer");
  if (args->Has("--device")) request.device = args->Value("--device");
  if (args->Has("--symptom")) request.symptom = args->Value("--symptom");
  if (args->Has("--category")) request.category = args->Value("--category");
  if (args->Has("--in-charge")) request.in_charge_email = args->Value("--in-charge");
  if (args->Has("--max-peers")) {
    auto n = periscope::ParseUint64(args->Value("--max-peers"));
    if (!n || *n < 1 || *n > 100000) return Usage("--max-peers: expected 1..100000");
    request.max_peers = static_cast<size_t>(*n);
  }
  if (args->Has("--deadline-ms")) {
    auto n = periscope::ParseUint64(args->Value("--deadline-ms"));
    if (!n || *n < 100 || *n > 600000) return Usage("--deadline-ms: expected 100..600000");
    request.deadline = std::chrono::milliseconds(*n);
  }
  request.notify = !args->Has("--no-mail");
  if (request.customer.empty() || request.device.empty()) {
    return Usage("a claim needs --customer and --device (or --file)");
  }
  if (request.symptom.empty() && request.category.empty()) {
    return Usage("a claim needs --symptom or --category");
  }
  const std::string format = args->Value("--format", "text");
  if (format != "text" && format != "json" && format != "html") {
    return Usage("--format: expected text, json or html");
  }

  auto poller = periscope::poller::LoadPollerConfig(config.poller_config);
  if (!poller.ok()) return Usage("poller config: " + poller.status().message());
  std::unique_ptr<periscope::mail::Mailer> mailer;
  if (request.notify) {
    auto made = periscope::mail::MakeMailer(config.mail);
    if (!made.ok()) return Usage("mail: " + made.status().message());
    mailer = std::move(*made);
  }
  claimtool::ClaimDeps deps;
  deps.clock = &periscope::SystemClock::Instance();
  deps.mailer = mailer.get();
  auto outcome = claimtool::RunClaim(config, rules, *poller, request, deps);
  if (!outcome.ok()) return Fail(outcome.status());
  auto text = RenderAs(outcome->claim, format);
  if (!text.ok()) return Usage(text.status().message());
  Print(*text);
  for (const std::string& p : outcome->problems) {
    std::fprintf(stderr, "periscope-claim: %s\n", p.c_str());
  }
  if (!outcome->html_path.empty()) {
    std::fprintf(stderr, "periscope-claim: claim %lld stored; page %s\n",
                 static_cast<long long>(outcome->claim.id), outcome->html_path.c_str());
  }
  const auto& claim = outcome->claim;
  const bool claimed_answered = !claim.devices.empty() && claim.devices.front().answered;
  if (!claimed_answered || !claim.completed) return kExitIncomplete;
  return outcome->problems.empty() ? kExitOk : kExitFailure;
}

int Main(int argc, char** argv) {
  std::vector<std::string> all(argv + 1, argv + argc);
  std::string config_path = PERISCOPE_SYSCONFDIR "/periscope-claim.xml";
  bool config_given = false;
  std::string db_override, rules_override;
  size_t i = 0;
  for (; i < all.size(); ++i) {
    const std::string& a = all[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return kExitOk;
    }
    const bool config_flag = a == "--config" || a == "-c";
    if ((config_flag || a == "--db" || a == "--rules") && i + 1 < all.size()) {
      (config_flag ? config_path : a == "--db" ? db_override : rules_override) = all[++i];
      if (config_flag) config_given = true;
      continue;
    }
    break;
  }
  // The password of a PostgreSQL store comes from ~/.pgpass, never argv.
  if (Status s = store::CheckNoPassword(db_override, "--db"); !s.ok()) return Usage(s.message());
  std::string command = "new";
  if (i < all.size() && !all[i].starts_with("-")) command = all[i++];
  std::vector<std::string> rest(all.begin() + static_cast<std::ptrdiff_t>(i), all.end());

  periscope::InitLogging("periscope-claim", periscope::LogSink::kStderr,
                         periscope::LogLevel::kWarning);
  auto defaults = claimtool::DefaultClaimConfig(PERISCOPE_SYSCONFDIR, PERISCOPE_STATEDIR);
  auto config = claimtool::LoadClaimConfig(config_path, defaults);
  if (!config.ok()) {
    struct stat st {};
    const bool absent = ::stat(config_path.c_str(), &st) != 0 && errno == ENOENT;
    if (config_given || !absent) return Usage(config.status().message());
    config = defaults;
  }
  if (!db_override.empty()) config->database = db_override;
  if (!rules_override.empty()) config->rules = rules_override;

  if (command == "check-rules") {
    const std::string path = rest.empty() ? config->rules : rest[0];
    auto rules = claimtool::LoadClaimRules(path);
    if (!rules.ok()) return Usage(rules.status().message());
    std::printf("%s: ok (%zu categories, %zu items, %zu roles)\n", path.c_str(),
                rules->categories.size(), rules->items.size(), rules->roles.size());
    return kExitOk;
  }
  if (command == "categories") {
    auto rules = claimtool::LoadClaimRules(config->rules);
    if (!rules.ok()) return Usage(rules.status().message());
    return ListCategories(*rules);
  }
  if (command == "show" || command == "list") {
    auto db = store::Db::OpenReader(config->database);
    if (!db.ok()) return Fail(db.status());
    auto version = store::CurrentVersion(**db);
    if (!version.ok()) return Fail(version.status());
    if (*version != store::SchemaVersion()) {
      return Fail(store::SchemaVersionMismatch(config->database, *version));
    }
    if (command == "show") {
      auto args = periscope::ParseCliArgs(rest, {"--format"}, {});
      if (!args.ok()) return Usage(args.status().message());
      if (args->positional.size() != 1) return Usage("show: expected one claim id");
      auto id = periscope::ParseUint64(args->positional[0]);
      if (!id || *id == 0 || *id > INT64_MAX) return Usage("show: the id is a positive number");
      auto claim = store::LoadClaim(**db, static_cast<int64_t>(*id));
      if (!claim.ok()) return Fail(claim.status());
      auto text = RenderAs(*claim, args->Value("--format", "text"));
      if (!text.ok()) return Usage(text.status().message());
      Print(*text);
      return kExitOk;
    }
    auto args = periscope::ParseCliArgs(rest, {"--customer", "--limit", "--format"}, {});
    if (!args.ok()) return Usage(args.status().message());
    if (!args->positional.empty()) return Usage("list: unexpected argument " + args->positional[0]);
    store::ClaimFilter filter;
    filter.customer_user_id = args->Value("--customer");
    if (args->Has("--limit")) {
      auto n = periscope::ParseUint64(args->Value("--limit"));
      if (!n || *n < 1 || *n > 100000) return Usage("--limit: expected 1..100000");
      filter.limit = static_cast<size_t>(*n);
    }
    auto claims = store::ListClaims(**db, filter);
    if (!claims.ok()) return Fail(claims.status());
    const std::string format = args->Value("--format", "text");
    if (format == "json") {
      Print(claimtool::RenderClaimListJson(*claims) + "\n");
    } else if (format == "text") {
      Print(claimtool::RenderClaimListText(*claims));
    } else {
      return Usage("--format: expected text or json");
    }
    return kExitOk;
  }
  if (command != "new") return Usage("unknown command '" + command + "'");

  auto rules = claimtool::LoadClaimRules(config->rules);
  if (!rules.ok()) return Usage(rules.status().message());
  {
    // The poller migrates too; whichever runs first after an upgrade does it.
    auto db =
        store::Db::OpenWriter(config->database, store::OpenMode::kMustExist, config->busy_timeout);
    if (!db.ok()) return Fail(db.status());
    if (Status s = store::MigrateExisting(**db); !s.ok()) return Fail(s);
  }
  return NewClaim(*config, *rules, rest);
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
