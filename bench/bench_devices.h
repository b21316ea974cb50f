// Device configuration shared by the benchmarks.
//
// Every device is shaped like the one in etc/periscope-subagent.xml (all
// identity fields, one static item and one file item) and monitors mount "/"
// with its block device derived from the mount, so the benchmarks measure the
// same work a customer's configuration causes on any Linux host.
#ifndef PERISCOPE_BENCH_BENCH_DEVICES_H_
#define PERISCOPE_BENCH_BENCH_DEVICES_H_

#include <string>

namespace periscope::bench {

// The <device> elements for devices 1..count (serial numbers BENCH-0001...).
inline std::string BenchDevicesXml(int count) {
  std::string out;
  for (int i = 1; i <= count; ++i) {
    std::string n = std::to_string(i);
    std::string serial = "BENCH-" + std::string(n.size() < 4 ? 4 - n.size() : 0, '0') + n;
    out += "  <device index=\"" + n +
           "\" type=\"diskArray\">\n"
           "    <product-name>Periscope Storage Array</product-name>\n"
           "    <model>PSA-2000</model>\n"
           "    <product-number>PSA-2000-12T</product-number>\n"
           "    <serial-number>" +
           serial +
           "</serial-number>\n"
           "    <configuration>RAID6, 12 x 1 TB, dual controller</configuration>\n"
           "    <firmware>2.4.1</firmware>\n"
           "    <cache>8GiB</cache>\n"
           "    <sale-date>2025-04-01</sale-date>\n"
           "    <price currency=\"JPY\">3500000</price>\n"
           "    <user-id>customer-" +
           n +
           "</user-id>\n"
           "    <mount>/</mount>\n"
           "    <item name=\"site\" value=\"Server room B, rack 4\"/>\n"
           "    <item name=\"kernel.release\" file=\"/proc/sys/kernel/osrelease\"/>\n"
           "  </device>\n";
  }
  return out;
}

}  // namespace periscope::bench

#endif  // PERISCOPE_BENCH_BENCH_DEVICES_H_
