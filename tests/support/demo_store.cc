#include "tests/support/demo_store.h"

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "store/poll_writer.h"
#include "store/registry.h"

namespace periscope::testing {

Status WriteFleetToStore(store::Db& db, std::vector<SimAgent> fleet, int64_t sampled_at) {
  std::string staff = "name,email,role\n";
  staff += fmt::format("Hanako Sato,{},sales\n", kDemoSalesEmails[0]);
  staff += fmt::format("Jiro Tanaka,{},sales\n", kDemoSalesEmails[1]);
  auto imported = store::ImportStaffCsv(db, staff, "demo-staff.csv");
  if (!imported.ok()) return imported.status();
  std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
  std::string targets = "address,port,profile,customer_user_id\n";
  std::set<std::string> seen;
  for (size_t i = 0; i < fleet.size(); ++i) {
    SimAgent& agent = fleet[i];
    if (agent.port == 0) agent.port = static_cast<int>(20000 + i);
    if (seen.insert(agent.customer).second) {
      customers +=
          fmt::format("{},Customer {},Contact,it@{}.example,,,{}\n", agent.customer, agent.customer,
                      agent.customer, kDemoSalesEmails[(seen.size() - 1) % 2]);
    }
    targets += fmt::format("127.0.0.1,{},sim-v2c,{}\n", agent.port, agent.customer);
  }
  imported = store::ImportCustomersCsv(db, customers, "demo-customers.csv");
  if (!imported.ok()) return imported.status();
  imported = store::ImportTargetsCsv(db, targets, "demo-targets.csv");
  if (!imported.ok()) return imported.status();
  auto loaded = store::LoadTargets(db, "", "");
  if (!loaded.ok()) return loaded.status();
  std::map<int, int64_t> target_of_port;
  for (const store::Target& t : *loaded) target_of_port[t.port] = t.id;

  store::PollWriter writer(&db);
  auto run = writer.StartRun(sampled_at);
  if (!run.ok()) return run.status();
  for (const SimAgent& agent : fleet) {
    std::vector<store::DeviceRecord> records;
    for (const SimDevice& d : agent.devices) {
      store::DeviceRecord r;
      r.device_index = d.index;
      r.serial_number = d.serial;
      store::DeviceSpec spec;
      spec.type = d.type;
      spec.product_name = d.product_name;
      spec.model = d.model;
      spec.product_number = d.product_number;
      spec.configuration = d.configuration;
      spec.firmware = d.firmware;
      spec.capacity_bytes = static_cast<int64_t>(d.capacity_bytes);
      spec.cache_bytes = static_cast<int64_t>(d.cache_bytes);
      spec.sale_date = d.sale_date;
      spec.price_minor_units = static_cast<int64_t>(d.price);
      spec.currency = d.currency;
      spec.user_id = d.user_id;
      r.spec = spec;
      r.usage.used_bytes = static_cast<int64_t>(d.used_bytes);
      r.usage.capacity_bytes = static_cast<int64_t>(d.capacity_bytes);
      r.usage.load_interval_s = d.load_interval_s;
      r.usage.load_peak_today = d.load_peak;
      r.usage.load_avg_today_centi = d.load_avg_centi;
      r.usage.writes_completed = static_cast<int64_t>(d.writes);
      r.usage.bytes_written = static_cast<int64_t>(d.bytes_written);
      r.usage.status = d.status;
      r.usage.status_text = "";
      for (const SimDaily& y : d.daily) {
        store::DailyRow row;
        row.date = y.date;
        row.load_peak = y.load_peak;
        row.load_avg_centi = y.load_avg_centi;
        row.used_bytes = static_cast<int64_t>(y.used_bytes);
        row.intervals = y.intervals;
        r.daily.push_back(row);
      }
      records.push_back(std::move(r));
    }
    PERISCOPE_RETURN_IF_ERROR(
        writer.RecordTarget(*run, target_of_port.at(agent.port), sampled_at, records));
  }
  const auto n = static_cast<int64_t>(fleet.size());
  return writer.FinishRun(*run, sampled_at, true, n, n, 0);
}

}  // namespace periscope::testing
