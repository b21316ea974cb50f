// Typed setters for Net-SNMP varbinds, without Net-SNMP in the header.
#ifndef PERISCOPE_CORE_SNMP_VALUES_H_
#define PERISCOPE_CORE_SNMP_VALUES_H_

#include <cstdint>
#include <string_view>

struct variable_list;  // netsnmp_variable_list
struct counter64;      // Net-SNMP's Counter64: two u_long halves (high, low)

namespace periscope::snmp {

// The one conversion between uint64_t and Net-SNMP's struct counter64, which
// keeps the value as two halves of 32 bits each in u_long fields (64 bits wide
// on LP64). Callers include Net-SNMP's headers to use the struct.
counter64 PackCounter64(uint64_t value);
// Reads only the low 32 bits of each half, as Net-SNMP's own encoder does.
uint64_t UnpackCounter64(const counter64& c);

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
