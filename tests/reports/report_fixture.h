// Report models for the renderer tests, built by hand (no forecaster): a
// customer with two devices (one growing with a forecast crossing and a load
// forecast, one without enough history), proposals with inquiry answers, and a
// fleet. `hostile` puts the same hostile text into every string field.
#ifndef PERISCOPE_TESTS_REPORTS_REPORT_FIXTURE_H_
#define PERISCOPE_TESTS_REPORTS_REPORT_FIXTURE_H_

#include <string>

#include "core/clock.h"
#include "reports/report_model.h"

namespace periscope::reports::testing {

// Script, markup breakers, bidi overrides, C0/C1 controls, NUL and invalid UTF-8.
inline const std::string kHostile =
    std::string(
        "\"><script>alert(1)</script></td></tr><img src=x onerror=alert(2)>"
        "\xE2\x80\xAE"
        "evil\xE2\x81\xA6"
        "x\xE2\x80\x8F\x1b[31m\xC2\x85\xFF\xC0\xAF\xED\xA0\x80") +
    std::string("\0nul", 4) + "=HYPERLINK(\"http://e.example\"),\r\nnext";

inline std::string Field(bool hostile, const std::string& plain) {
  return hostile ? plain + kHostile : plain;
}

inline forecast::SeriesForecast GrowingForecast(int64_t first_day, int64_t last_day,
                                                double capacity, double threshold_pct) {
  forecast::SeriesForecast f;
  f.ok = true;
  f.model.kind = forecast::FitKind::kPolynomial2;
  f.segment_first_day = first_day;
  f.last_day = last_day;
  f.last_value = 0.7 * capacity;
  f.crossings = {
      {capacity * threshold_pct / 100.0, 95.0, 70.0, 130.0},
      {capacity, 240.0, 180.0, std::nullopt},
  };
  for (int64_t day = first_day; day <= last_day + 400; day += 7) {
    double x = static_cast<double>(day - first_day);
    double value = 0.4 * capacity + 0.0012 * capacity * x;
    double spread = day > last_day ? 0.0004 * capacity * static_cast<double>(day - last_day) : 0;
    f.projection.push_back({static_cast<double>(day), value, value - spread, value + spread});
  }
  return f;
}

inline CustomerReport MakeCustomerReport(bool hostile) {
  const int64_t today_day = DaysFromDate(20261121);
  const double capacity = 10e12;
  CustomerReport r;
  r.user_id = Field(hostile, "cust-42");
  r.name = Field(hostile, "Acme Storage KK");
  r.contact_person = Field(hostile, "Hanako Sato");
  r.sales = StaffView{Field(hostile, "Taro Yamada"), Field(hostile, "taro@example.com")};
  r.today = 20261121;
  r.generated_at = Field(hostile, "2026-11-21T06:00:00+09:00");
  r.data_note = Field(hostile, "The history before 2026-11-21 is generated demo data.");

  DeviceView a;
  a.device_id = 7;
  a.target = Field(hostile, "127.0.0.1:1161");
  a.device_index = 1;
  a.serial_number = Field(hostile, "SN-0001");
  SpecView spec;
  spec.product_name = Field(hostile, "Periscope Array 4000");
  spec.model = Field(hostile, "PA-4000");
  spec.product_number = Field(hostile, "PN-4000-10T");
  spec.configuration = Field(hostile, "RAID6 8+2");
  spec.firmware = Field(hostile, "3.1.0");
  spec.capacity_bytes = static_cast<int64_t>(capacity);
  spec.cache_bytes = 64LL * 1000 * 1000 * 1000;
  spec.sale_date = 20240401;
  spec.price_minor_units = 1250000000;
  spec.currency = Field(hostile, "JPY");
  a.spec = spec;
  for (int i = 0; i < 30; ++i) {
    DayFigures d;
    d.date = DateFromDays(today_day - 29 + i);
    d.used_bytes = static_cast<int64_t>(capacity * (0.6 + 0.004 * i));
    d.capacity_bytes = static_cast<int64_t>(capacity);
    d.load_peak = 5200 + 40 * i;
    d.load_avg_centi = 310000 + i;
    d.intervals = 288;
    a.history.push_back(d);
  }
  std::swap(a.history[3], a.history[20]);  // renderers sort by date
  a.capacity = GrowingForecast(today_day - 29, today_day, capacity, 85);
  a.rated_load = 8000;
  forecast::SeriesForecast load = GrowingForecast(today_day - 29, today_day, 8000, 80);
  load.crossings.resize(1);
  a.load = load;
  a.latest_firmware = Field(hostile, "3.2.1");

  DeviceView b;
  b.device_id = 8;
  b.target = Field(hostile, "127.0.0.1:1162");
  b.device_index = 2;
  b.serial_number = Field(hostile, "SN-0002");
  b.retired = false;
  for (int i = 0; i < 3; ++i) {
    DayFigures d;
    d.date = DateFromDays(today_day - 2 + i);
    d.used_bytes = 1000000000LL * (i + 1);
    b.history.push_back(d);
  }
  b.capacity.ok = false;
  b.capacity.reason = Field(hostile, "fewer than 7 days of history");

  r.devices = {a, b};

  ProposalView p1;
  p1.id = 11;
  p1.device_id = 7;
  p1.device_serial = a.serial_number;
  p1.kind = Field(hostile, "capacity");
  p1.status = Field(hostile, "inquired");
  p1.product_number = Field(hostile, "ADD-2T");
  p1.product_name = Field(hostile, "2 TB capacity add-on");
  p1.quantity = 2;
  p1.unit_price_minor_units = 180000;
  p1.price_minor_units = 360000;
  p1.currency = Field(hostile, "JPY");
  p1.needed_by = 20270201;
  p1.confidence = Field(hostile, "medium");
  p1.summary = Field(hostile, "85% reached around 2027-02-24");
  p1.evidence_json = hostile ? "{\"x\": \"" + std::string("</pre><script>") + "\"}"
                             : "{\"days_to_threshold\": 95.0, \"fit\": \"polynomial2\"}";
  p1.changed = true;
  InquiryAnswerView ok;
  ok.inquiry_key = Field(hostile, "inq-1");
  ok.site = Field(hostile, "Osaka plant");
  ok.state = "answered";
  ok.in_stock = true;
  ok.quantity_available = 12;
  ok.retailer = Field(hostile, "Umeda Systems");
  ok.delivery_date = 20261205;
  InquiryAnswerView bad;
  bad.inquiry_key = ok.inquiry_key;
  bad.site = Field(hostile, "Nagoya plant");
  bad.state = "timeout";
  bad.message = Field(hostile, "no answer after 10 s");
  p1.answers = {ok, bad};

  ProposalView p2;
  p2.id = 12;
  p2.device_id = 7;
  p2.device_serial = a.serial_number;
  p2.kind = Field(hostile, "firmware");
  p2.status = Field(hostile, "new");
  p2.product_number = Field(hostile, "FW-3.2.1");
  p2.product_name = Field(hostile, "Firmware 3.2.1");
  p2.quantity = 1;
  p2.currency = Field(hostile, "USD");
  p2.confidence = Field(hostile, "high");
  p2.summary = Field(hostile, "runs 3.1.0, latest is 3.2.1");
  r.proposals = {p2, p1};
  return r;
}

inline FleetReport MakeFleetReport(bool hostile) {
  FleetReport f;
  f.today = 20261121;
  f.generated_at = Field(hostile, "2026-11-21T06:00:00+09:00");
  f.sales_filter = Field(hostile, "taro@example.com");
  f.data_note = Field(hostile, "generated demo history");
  auto row = [&](int64_t id, std::optional<double> days, std::string reason) {
    FleetRow r;
    r.customer_user_id = Field(hostile, "cust-" + std::to_string(id));
    r.customer_name = Field(hostile, "Customer " + std::to_string(id));
    r.sales_name = Field(hostile, "Taro Yamada");
    r.sales_email = Field(hostile, "taro@example.com");
    r.device_id = id;
    r.serial_number = Field(hostile, "SN-" + std::to_string(id));
    r.model = Field(hostile, "PA-4000");
    r.target = Field(hostile, "127.0.0.1:1161");
    r.used_bytes = 6000000000000;
    r.capacity_bytes = 10000000000000;
    r.days_to_threshold = days;
    if (days) {
      r.lower_days = *days - 10;
      r.upper_days = *days + 20;
      r.threshold_date = DateFromDays(DaysFromDate(20261121) + static_cast<int64_t>(*days));
    }
    r.reason = reason.empty() ? reason : Field(hostile, reason);
    r.open_proposals = static_cast<int>(id % 3);
    return r;
  };
  f.rows = {row(1, std::nullopt, "fewer than 7 days of history"), row(2, 120.5, ""),
            row(3, std::nullopt, ""), row(4, 14.25, ""), row(5, 400, "")};
  return f;
}

}  // namespace periscope::reports::testing

#endif  // PERISCOPE_TESTS_REPORTS_REPORT_FIXTURE_H_
