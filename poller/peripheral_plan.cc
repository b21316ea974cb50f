#include "poller/peripheral_plan.h"

#include <initializer_list>

namespace periscope::poller {
namespace {

snmp::Oid Col(const snmp::Oid& entry, uint32_t column) {
  snmp::Oid o = entry;
  o.push_back(column);
  return o;
}

std::vector<snmp::Oid> Cols(const snmp::Oid& entry, std::initializer_list<uint32_t> columns) {
  std::vector<snmp::Oid> out;
  for (uint32_t c : columns) out.push_back(Col(entry, c));
  return out;
}

std::vector<snmp::Oid> System() { return {oids::kSysDescr, oids::kSysUpTime}; }

WalkPlan PrinterPlan() {
  WalkPlan p;
  p.groups.push_back(System());
  p.groups.push_back(Cols(oids::kHrDeviceEntry, {3}));
  p.groups.push_back(Cols(oids::kEntPhysicalEntry, {5, 9, 10, 11, 13}));
  p.groups.push_back({oids::kPrtGeneralSerialNumber});
  p.groups.push_back(Cols(oids::kPrtMarkerEntry, {3, 4}));
  p.groups.push_back(Cols(oids::kPrtInputEntry, {2, 8, 9, 10, 12, 13, 18}));
  p.groups.push_back(Cols(oids::kPrtMarkerSuppliesEntry, {5, 6, 7, 8, 9}));
  p.groups.push_back(Cols(oids::kPrtAlertEntry, {2, 4, 5, 7, 8}));
  return p;
}

WalkPlan HostPlan() {
  WalkPlan p;
  p.groups.push_back(System());
  p.groups.push_back(Cols(oids::kHrStorageEntry, {2, 3, 4, 5, 6}));
  p.groups.push_back({oids::kHrProcessorLoad});
  p.groups.push_back(Cols(oids::kEntPhysicalEntry, {5, 9, 10, 11, 13}));
  return p;
}

WalkPlan NetworkPlan() {
  WalkPlan p;
  p.groups.push_back(System());
  p.groups.push_back(Cols(oids::kIfXEntry, {1, 6, 10, 15}));
  p.groups.push_back(Cols(oids::kIfEntry, {2, 5, 10, 16}));
  p.groups.push_back(Cols(oids::kEntPhysicalEntry, {5, 9, 10, 11, 13}));
  return p;
}

}  // namespace

const WalkPlan& PeripheralPlan(store::DeviceKind kind) {
  static const WalkPlan kPrinter = PrinterPlan();
  static const WalkPlan kHost = HostPlan();
  static const WalkPlan kNetwork = NetworkPlan();
  static const WalkPlan kNone;
  switch (kind) {
    case store::DeviceKind::kPrinter:
      return kPrinter;
    case store::DeviceKind::kHost:
      return kHost;
    case store::DeviceKind::kNetwork:
      return kNetwork;
    case store::DeviceKind::kPeriscope:
      break;
  }
  return kNone;
}

}  // namespace periscope::poller
