#include "tests/support/claim_fleet.h"

#include <fmt/format.h>

namespace periscope::testing {
namespace {

using OidV = std::vector<uint32_t>;

const OidV kIpAddrEntry = {1, 3, 6, 1, 2, 1, 4, 20, 1};
const OidV kDot3StatsEntry = {1, 3, 6, 1, 2, 1, 10, 7, 2, 1};

OidV Cat(OidV base, std::initializer_list<uint32_t> tail) {
  base.insert(base.end(), tail.begin(), tail.end());
  return base;
}

OidV Cat(OidV base, const OidV& tail) {
  base.insert(base.end(), tail.begin(), tail.end());
  return base;
}

// SplitMix64: a well-mixed 64-bit value from `x`.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A value in [-spread, spread] from `h`.
int32_t Around(uint64_t h, int32_t spread) {
  return static_cast<int32_t>(h % static_cast<uint64_t>(2 * spread + 1)) - spread;
}

// "10.8.0.2" -> {10, 8, 0, 2}.
OidV Arcs(const std::string& dotted) {
  auto oid = snmp::ParseOid(dotted);
  return oid.ok() ? *oid : OidV{};
}

std::string Int(int64_t v) { return "2|" + std::to_string(v); }
std::string C32(uint64_t v) { return "65|" + std::to_string(v & 0xffffffffULL); }
std::string G32(uint64_t v) { return "66|" + std::to_string(v & 0xffffffffULL); }
std::string Ip(const std::string& dotted) { return "64|" + dotted; }
const char kNotAvailable[] = "4|n/a";
const char kNotUtf8[] = "4x|fffe";  // OCTET STRING ff fe: not UTF-8, not a number

ClaimCopier MakeCopier(const std::string& model, uint64_t seed, size_t position,
                       const std::string& customer) {
  const ClaimModelCentre centre = ClaimCentre(model);
  const bool a = model == kClaimModelA;
  const uint64_t h = Mix(seed * 0x100000001b3ULL + position);
  ClaimCopier c;
  c.model = model;
  c.serial = fmt::format("{}-{:06}", a ? "CPY60" : "CPY45", 300000 + position);
  c.customer = customer;
  c.firmware = a ? (h % 4 == 0 ? "6.1.9" : "6.2.1") : "4.8.0";
  c.density = centre.density + Around(Mix(h + 1), 3);
  c.exposure = centre.exposure + Around(Mix(h + 2), 1);
  c.auto_density = centre.auto_density;
  c.drum_charge = centre.drum_charge + Around(Mix(h + 3), 20);
  for (size_t t = 0; t < centre.trays; ++t) {
    // The bypass tray feeds little; the main trays most.
    uint64_t base = t == 0 ? 1'000 : 40'000;
    c.tray_copies.push_back(base + Mix(h + 10 + t) % (t == 0 ? 5'000 : 120'000));
  }
  for (uint64_t n : c.tray_copies) c.life_count += n;
  const size_t host = position + 2;
  c.ip = fmt::format("10.8.{}.{}", host / 250, host % 250 + 1);
  c.netmask = "255.255.0.0";
  c.if_speed_bps = centre.if_speed_bps;
  c.duplex = kDuplexFull;
  return c;
}

}  // namespace

snmp::Oid ClaimVendorOid(ClaimVendorObject object) { return Cat(kClaimVendorRoot, {object}); }

ClaimModelCentre ClaimCentre(const std::string& model) {
  ClaimModelCentre c;
  if (model == kClaimModelA) {
    c.density = 50;
    c.exposure = 3;
    c.auto_density = 1;
    c.drum_charge = 600;
    c.trays = 5;
    c.if_speed_bps = 1'000'000'000;
  } else {
    c.density = 40;
    c.exposure = 2;
    c.auto_density = 2;
    c.drum_charge = 520;
    c.trays = 3;
    c.if_speed_bps = 100'000'000;
  }
  return c;
}

ClaimFleet MakeClaimFleet(const ClaimFleetSpec& spec) {
  const std::vector<std::string> customers =
      spec.customers.empty() ? std::vector<std::string>{"cust-01"} : spec.customers;
  auto customer = [&](size_t i) { return customers[i % customers.size()]; };
  ClaimFleet fleet;
  size_t position = 0;
  ClaimCopier claimed = MakeCopier(kClaimModelA, spec.seed, position++, customers[0]);
  // Only the density stands out: the other settings sit at the model's centre.
  const ClaimModelCentre centre = ClaimCentre(kClaimModelA);
  claimed.density = centre.density + kClaimedDensityOffset;
  claimed.exposure = centre.exposure;
  claimed.auto_density = centre.auto_density;
  claimed.drum_charge = centre.drum_charge;
  claimed.firmware = "6.2.1";
  fleet.copiers.push_back(std::move(claimed));
  for (size_t i = 0; i < spec.model_a_peers; ++i) {
    ClaimCopier c = MakeCopier(kClaimModelA, spec.seed, position++, customer(i + 1));
    if (i % 3 == 2) c.device_index = 2;
    fleet.copiers.push_back(std::move(c));
  }
  for (size_t i = 0; i < spec.model_b; ++i) {
    ClaimCopier c = MakeCopier(kClaimModelB, spec.seed, position++, customer(i));
    if (i % 2 == 1) c.device_index = 2;
    fleet.copiers.push_back(std::move(c));
  }
  if (spec.garbage) {
    ClaimCopier c = MakeCopier(kClaimModelA, spec.seed, position, customer(position));
    ++position;
    c.garbage = true;
    fleet.garbage = fleet.copiers.size();
    fleet.copiers.push_back(std::move(c));
  }
  return fleet;
}

SimPeripheralAgent ClaimCopierAgent(const ClaimCopier& c) {
  const bool a = c.model == kClaimModelA;
  SimPeripheralAgent agent;
  agent.kind = SimPeripheralKind::kPrinter;
  agent.customer = c.customer;
  agent.model = c.model;
  agent.pages_per_minute = a ? 60 : 45;
  agent.sys_descr = fmt::format("Periscope {} {}ppm {} colour copier; firmware {}", c.model,
                                agent.pages_per_minute, a ? "A3" : "A4", c.firmware);
  agent.serial = c.serial;
  agent.firmware = c.firmware;
  agent.uptime_cs = 86'400'00 * 7 + static_cast<int64_t>(c.life_count % 1'000'000);
  SimPrinter& p = agent.printer;
  p.device_index = c.device_index;
  p.serial = c.serial;
  p.markers = {{1, kPrtUnitImpressions, c.life_count}};
  for (size_t t = 0; t < c.tray_copies.size(); ++t) {
    p.trays.push_back({static_cast<uint32_t>(t + 1),
                       t == 0 ? std::string("Bypass Tray") : fmt::format("Tray {}", t),
                       t == 2 && a ? "Plain A3" : "Plain A4", kPrtUnitSheets, t == 0 ? 100 : 500,
                       t == 0 ? 0 : 250});
  }
  p.supplies = {{1, 1, 3, kPrtSupplyToner, "Black Toner", kPrtSupplyUnitPercent, 100, 60},
                {2, 1, 3, kPrtSupplyOpc, "Drum Unit", kPrtSupplyUnitPercent, 100, 80}};

  const uint32_t d = c.device_index;
  auto& o = agent.overrides;
  for (size_t t = 0; t < c.tray_copies.size(); ++t) {
    o[Cat(ClaimVendorOid(kVendorTrayCopies), {d, static_cast<uint32_t>(t + 1)})] =
        c.garbage ? kNotUtf8 : C32(c.tray_copies[t]);
  }
  const std::pair<ClaimVendorObject, int32_t> settings[] = {
      {kVendorDensity, c.density},
      {kVendorExposure, c.exposure},
      {kVendorAutoDensity, c.auto_density},
      {kVendorDrumCharge, c.drum_charge},
  };
  for (const auto& [object, value] : settings) {
    o[Cat(ClaimVendorOid(object), {d})] = c.garbage ? kNotAvailable : Int(value);
  }
  if (c.garbage) {
    o[Cat(ClaimVendorOid(kVendorTrayCopies), {d + 1, 1})] = C32(777);  // no such device here
    o[Cat(kClaimPrtMarkerLifeCount, {d, 1})] = kNotAvailable;
  }
  const OidV ip = Arcs(c.ip);
  o[Cat(Cat(kIpAddrEntry, {1}), ip)] = Ip(c.ip);  // ipAdEntAddr
  o[Cat(Cat(kIpAddrEntry, {2}), ip)] = Int(1);    // ipAdEntIfIndex
  o[Cat(Cat(kIpAddrEntry, {3}), ip)] = Ip(c.netmask);
  o[Cat(Cat(kIpAddrEntry, {4}), ip)] = Int(1);  // ipAdEntBcastAddr
  o[Cat(kClaimIfSpeed, {1})] = G32(c.if_speed_bps);
  o[Cat(kDot3StatsEntry, {1, 1})] = Int(1);  // dot3StatsIndex
  o[Cat(kClaimDot3StatsDuplexStatus, {1})] = Int(c.duplex);
  return agent;
}

std::vector<SimPeripheralAgent> ClaimCopierAgents(const std::vector<ClaimCopier>& copiers) {
  std::vector<SimPeripheralAgent> out;
  out.reserve(copiers.size());
  for (const ClaimCopier& c : copiers) out.push_back(ClaimCopierAgent(c));
  return out;
}

std::vector<ClaimServed> ClaimServedValues(const ClaimCopier& c) {
  std::vector<ClaimServed> out;
  auto number = [&](const snmp::Oid& object, std::string instance, uint64_t value,
                    bool wrong_type) {
    ClaimServed s{object, std::move(instance), std::nullopt, "", wrong_type};
    if (!wrong_type) s.number = static_cast<double>(value);
    out.push_back(std::move(s));
  };
  auto setting = [&](const snmp::Oid& object, int32_t value) {
    ClaimServed s{object, "", std::nullopt, "", c.garbage};
    if (!c.garbage) s.number = value;
    out.push_back(std::move(s));
  };
  for (size_t t = 0; t < c.tray_copies.size(); ++t) {
    number(ClaimVendorOid(kVendorTrayCopies), std::to_string(t + 1),
           c.tray_copies[t] & 0xffffffffULL, c.garbage);
  }
  setting(ClaimVendorOid(kVendorDensity), c.density);
  setting(ClaimVendorOid(kVendorExposure), c.exposure);
  setting(ClaimVendorOid(kVendorAutoDensity), c.auto_density);
  setting(ClaimVendorOid(kVendorDrumCharge), c.drum_charge);
  number(kClaimPrtMarkerLifeCount, "1", c.life_count & 0xffffffffULL, c.garbage);
  out.push_back({kClaimPrtGeneralSerialNumber, "", std::nullopt, c.serial, false});
  out.push_back({kClaimIpAdEntAddr, c.ip, std::nullopt, c.ip, false});
  out.push_back({kClaimIpAdEntNetMask, c.ip, std::nullopt, c.netmask, false});
  number(kClaimIfSpeed, "1", c.if_speed_bps, false);
  number(kClaimDot3StatsDuplexStatus, "1", static_cast<uint64_t>(c.duplex), false);
  return out;
}

}  // namespace periscope::testing
