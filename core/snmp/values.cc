#include "core/snmp/values.h"

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

namespace periscope::snmp {

counter64 PackCounter64(uint64_t value) {
  counter64 c{};
  c.high = static_cast<u_long>(value >> 32);
  c.low = static_cast<u_long>(value & 0xffffffffULL);
  return c;
}

uint64_t UnpackCounter64(const counter64& c) {
  return (static_cast<uint64_t>(c.high & 0xffffffffUL) << 32) | (c.low & 0xffffffffUL);
}

bool SetCounter64(variable_list* vb, uint64_t value) {
  counter64 c = PackCounter64(value);
  return snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c) == 0;
}

bool SetGauge32(variable_list* vb, uint32_t value) {
  u_long v = value;
  return snmp_set_var_typed_value(vb, ASN_GAUGE, &v, sizeof v) == 0;
}

bool SetUnsigned32(variable_list* vb, uint32_t value) {
  u_long v = value;
  return snmp_set_var_typed_value(vb, ASN_UNSIGNED, &v, sizeof v) == 0;
}

bool SetInteger(variable_list* vb, int32_t value) {
  long v = value;
  return snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof v) == 0;
}

bool SetOctets(variable_list* vb, std::string_view value) {
  return snmp_set_var_typed_value(vb, ASN_OCTET_STR, value.data(), value.size()) == 0;
}

}  // namespace periscope::snmp
