// DescribeValue (declared in sync_client.h) without Net-SNMP, so the decoders
// and their fuzz harnesses need not link the library.
#include <fmt/format.h>

#include "core/snmp/sync_client.h"

namespace periscope::snmp {

std::string DescribeValue(const VarBind& vb) {
  switch (vb.type) {
    case ValueType::kInteger:
      return fmt::format("INTEGER {}", vb.integer);
    case ValueType::kOctets: {
      std::string hex;
      for (size_t i = 0; i < vb.octets.size() && i < 16; ++i) {
        hex += fmt::format("{:02x}", static_cast<unsigned char>(vb.octets[i]));
      }
      return fmt::format("OCTET STRING of {} bytes (0x{}{})", vb.octets.size(), hex,
                         vb.octets.size() > 16 ? "..." : "");
    }
    case ValueType::kObjectId:
      return "OBJECT IDENTIFIER";
    case ValueType::kCounter32:
      return fmt::format("Counter32 {}", vb.unsigned_value);
    case ValueType::kGauge32:
      return fmt::format("Gauge32 {}", vb.unsigned_value);
    case ValueType::kTimeTicks:
      return fmt::format("TimeTicks {}", vb.unsigned_value);
    case ValueType::kCounter64:
      return fmt::format("Counter64 {}", vb.unsigned_value);
    case ValueType::kNoSuchObject:
      return "noSuchObject";
    case ValueType::kNoSuchInstance:
      return "noSuchInstance";
    case ValueType::kEndOfMibView:
      return "endOfMibView";
    default:
      break;
  }
  switch (static_cast<int>(vb.type)) {
    case 0x05:
      return "NULL";
    case 0x40:
      return "IpAddress";
    default:
      return fmt::format("a value of ASN.1 type 0x{:02x}", static_cast<int>(vb.type) & 0xff);
  }
}

}  // namespace periscope::snmp
