#include "poller/config.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/xml_config.h"
#include "store/db.h"
#include "store/db_config.h"

namespace periscope::poller {
namespace {

Status Load(const XmlConfig& xml, PollerConfig* out) {
  pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != "periscope-poller") {
    return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <periscope-poller>",
                                            xml.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(root, {"database", "polling", "profile"}));
  if (pugi::xml_node db = root.child("database")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(db, {"path", "lock-file", "busy-timeout-ms"}));
    auto busy = xml.Uint(db, "busy-timeout-ms", 0, 600000);
    if (!busy.ok()) return busy.status();
    if (busy->has_value()) out->busy_timeout = std::chrono::milliseconds(**busy);
    auto path = xml.Text(db, "path", 1024);
    if (!path.ok()) return path.status();
    if (path->has_value()) {
      // A password belongs in ~/.pgpass or PGPASSFILE, never in a config.
      PERISCOPE_RETURN_IF_ERROR(
          store::CheckNoPassword(**path, xml.Where(db) + ": <database path>"));
      out->database = **path;
    }
    auto lock = xml.Text(db, "lock-file", 1024);
    if (!lock.ok()) return lock.status();
    if (lock->has_value()) out->lock_file = **lock;
  }
  // PostgreSQL needs no lock file: pollers share the store through leases.
  if (out->lock_file.empty() && !store::IsPostgresUri(out->database)) {
    out->lock_file = out->database + ".lock";
  }
  EngineOptions& e = out->engine;
  if (pugi::xml_node p = root.child("polling")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
        p, {"window", "timeout-ms", "retries", "max-repetitions", "device-deadline-s",
            "run-budget-s", "max-objects", "max-bytes", "max-devices", "retire-after-days",
            "interval-s", "buckets", "lease-ttl-s", "chunk-targets"}));
    struct UintField {
      const char* name;
      uint64_t min, max;
      std::function<void(uint64_t)> set;
    };
    const UintField fields[] = {
        {"window", 1, 10000, [&](uint64_t v) { e.window = v; }},
        {"timeout-ms", 10, 60000, [&](uint64_t v) { e.timeout = std::chrono::milliseconds(v); }},
        {"retries", 0, 10, [&](uint64_t v) { e.retries = static_cast<int>(v); }},
        {"max-repetitions", 1, 1000, [&](uint64_t v) { e.bulk_repetitions = static_cast<int>(v); }},
        {"device-deadline-s", 1, 3600,
         [&](uint64_t v) { e.device_deadline = std::chrono::seconds(v); }},
        {"run-budget-s", 1, 86400, [&](uint64_t v) { e.run_budget = std::chrono::seconds(v); }},
        {"max-objects", 1, 10'000'000, [&](uint64_t v) { e.limits.max_objects = v; }},
        {"max-bytes", 1024, 1ULL << 32, [&](uint64_t v) { e.limits.max_bytes = v; }},
        {"max-devices", 1, 100000, [&](uint64_t v) { out->max_devices = v; }},
        {"retire-after-days", 1, 3650,
         [&](uint64_t v) { out->retire_after_days = static_cast<int>(v); }},
        {"interval-s", 0, 86400, [&](uint64_t v) { out->interval_s = static_cast<int64_t>(v); }},
        {"buckets", 1, 65536, [&](uint64_t v) { out->bucket_count = static_cast<int64_t>(v); }},
        {"lease-ttl-s", 1, 3600, [&](uint64_t v) { out->lease_ttl_s = static_cast<int64_t>(v); }},
        {"chunk-targets", 1, 10000, [&](uint64_t v) { out->chunk_targets = v; }},
    };
    for (const UintField& f : fields) {
      auto v = xml.Uint(p, f.name, f.min, f.max);
      if (!v.ok()) return v.status();
      if (v->has_value()) f.set(**v);
    }
  }
  for (pugi::xml_node n : root.children("profile")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
        n, {"name", "version", "community", "user", "auth", "auth-pass", "priv", "priv-pass"}));
    Profile p;
    auto text = [&](const char* field, std::string* dest, size_t max) -> Status {
      auto v = xml.Text(n, field, max);
      if (!v.ok()) return v.status();
      if (v->has_value()) *dest = **v;
      return Status::Ok();
    };
    std::string version;
    PERISCOPE_RETURN_IF_ERROR(text("name", &p.name, 64));
    PERISCOPE_RETURN_IF_ERROR(text("version", &version, 4));
    PERISCOPE_RETURN_IF_ERROR(text("community", &p.community, 64));
    PERISCOPE_RETURN_IF_ERROR(text("user", &p.user, 32));
    PERISCOPE_RETURN_IF_ERROR(text("auth", &p.auth_protocol, 16));
    PERISCOPE_RETURN_IF_ERROR(text("auth-pass", &p.auth_pass, 128));
    PERISCOPE_RETURN_IF_ERROR(text("priv", &p.priv_protocol, 16));
    PERISCOPE_RETURN_IF_ERROR(text("priv-pass", &p.priv_pass, 128));
    if (p.name.empty()) return xml.FieldError(n, "name", "a profile needs a name");
    if (out->profiles.count(p.name) != 0) {
      return xml.FieldError(n, "name", fmt::format("profile '{}' is defined twice", p.name));
    }
    if (version == "2c") {
      p.version = 2;
      if (p.community.empty()) return xml.FieldError(n, "community", "SNMPv2c needs a community");
    } else if (version == "3") {
      p.version = 3;
      if (p.user.empty()) return xml.FieldError(n, "user", "SNMPv3 needs a user");
      if (p.auth_protocol != "SHA" && p.auth_protocol != "SHA-256" &&
          p.auth_protocol != "SHA-512") {
        return xml.FieldError(n, "auth",
                              fmt::format("'{}' is not SHA, SHA-256 or SHA-512", p.auth_protocol));
      }
      if (p.priv_protocol != "AES" && p.priv_protocol != "AES-256") {
        return xml.FieldError(n, "priv",
                              fmt::format("'{}' is not AES or AES-256", p.priv_protocol));
      }
      // Lengths only: the pass phrases themselves never appear in a message.
      if (p.auth_pass.size() < 8)
        return xml.FieldError(n, "auth-pass", "needs at least 8 characters");
      if (p.priv_pass.size() < 8)
        return xml.FieldError(n, "priv-pass", "needs at least 8 characters");
    } else {
      return xml.FieldError(n, "version", fmt::format("'{}' is not 2c or 3", version));
    }
    out->profiles[p.name] = p;
  }
  return Status::Ok();
}

}  // namespace

Result<PollerConfig> ParsePollerConfig(std::string content, const std::string& name) {
  auto xml = XmlConfig::LoadString(std::move(content), name);
  if (!xml.ok()) return xml.status();
  PollerConfig config;
  PERISCOPE_RETURN_IF_ERROR(Load(**xml, &config));
  return config;
}

Result<PollerConfig> LoadPollerConfig(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return PermissionDeniedError(
        fmt::format("{}: holds SNMP credentials but is accessible by group or others (mode {:o}); "
                    "run: chmod 600 {}",
                    path, st.st_mode & 0777, path));
  }
  auto xml = XmlConfig::LoadFile(path);
  if (!xml.ok()) return xml.status();
  PollerConfig config;
  PERISCOPE_RETURN_IF_ERROR(Load(**xml, &config));
  return config;
}

}  // namespace periscope::poller
