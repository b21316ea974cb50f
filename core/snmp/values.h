// Typed setters for Net-SNMP varbinds, without Net-SNMP in the header.
#ifndef PERISCOPE_CORE_SNMP_VALUES_H_
#define PERISCOPE_CORE_SNMP_VALUES_H_

#include <cstdint>
#include <string_view>

struct variable_list;  // netsnmp_variable_list

namespace periscope::snmp {

// Each returns false when Net-SNMP refused the value (it then logs why).
bool SetCounter64(variable_list* vb, uint64_t value);  // also CounterBasedGauge64
bool SetGauge32(variable_list* vb, uint32_t value);
bool SetUnsigned32(variable_list* vb, uint32_t value);  // Unsigned32 = Gauge32 on the wire
bool SetInteger(variable_list* vb, int32_t value);
bool SetOctets(variable_list* vb, std::string_view value);

// Saturates a 64-bit count into Gauge32.
inline uint32_t SaturateToGauge32(uint64_t v) {
  return v > 0xffffffffULL ? 0xffffffffU : static_cast<uint32_t>(v);
}

}  // namespace periscope::snmp

#endif  // PERISCOPE_CORE_SNMP_VALUES_H_
