// Fuzzes the subagent's table index parsing: a GET or GETNEXT of any OID
// under periscopeObjects, handed to the handler chain MibTables registered
// (Net-SNMP's table + tdata helpers, which parse the index arcs into the
// row key: ASN_UNSIGNED device index, ASN_UNSIGNED date for the daily table,
// an IMPLIED string item name for the item table; then periscope's
// handlers). The agent library runs in-process with no transport: this is
// the code an AgentX request reaches in periscope-subagent.
//
// Input: byte 0 picks GET/GETNEXT, the table and whether the entry and
// column arcs are free; then arcs, each one byte (< 0xf0) or 0xf0 plus four
// bytes. Checked: a GET answers a value of a type the MIB allows or an
// exception; a GETNEXT answers an OID after the one asked for.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
// clang-format on

#include "core/snmp/netsnmp_env.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "mib/periscope_oids.h"
#include "subagent/config.h"
#include "subagent/mib_tables.h"
#include "subagent/sampler.h"

namespace periscope {
namespace {

using subagent::DeviceConfig;
using subagent::DeviceSnapshot;

struct Agent {
  subagent::SubagentConfig config;
  std::unique_ptr<subagent::MibTables> tables;
};

subagent::ItemValue Item(std::string name, std::string value) {
  return {std::move(name), std::move(value), "", mib::ItemSource::kStatic};
}

Agent& TheAgent() {
  static Agent* agent = [] {
    auto* a = new Agent;
    snmp::PrepareLibrary("periscope-fuzz", true);
    snmp_disable_log();
    if (init_agent("periscope-fuzz") != 0) std::abort();
    DeviceConfig d1;
    d1.index = 1;
    d1.serial_number = "SN1";
    d1.sale_date = 20250401;
    DeviceConfig d2;
    d2.index = 7;
    d2.serial_number = "SN7";
    DeviceConfig d3;
    d3.index = 4294967295u;
    d3.serial_number = "SNMAX";
    a->config.devices = {d1, d2, d3};
    auto tables = subagent::MibTables::Register(a->config, "fuzz");
    if (!tables.ok()) std::abort();
    a->tables = std::move(*tables);
    subagent::SampleSet set;
    for (const DeviceConfig& d : a->config.devices) {
      DeviceSnapshot s;
      s.config = &d;
      s.capacity_bytes = 1ULL << 40;
      s.used_bytes = 1ULL << 39;
      s.status = mib::DeviceStatus::kOk;
      if (d.index != 7) {
        s.history = {{20260101, 5, 50, 10, 100, true}, {20260102, 7, 70, 10, 200, true}};
        s.today = {20260103, 9, 90, 10, 300, true};
      }
      s.items = {Item("a", "1"), Item("nic.speed", "1000"), Item("site", "B4"),
                 Item(std::string(mib::kMaxItemNameBytes, 'z'), "long")};
      set.devices.push_back(std::move(s));
    }
    a->tables->Update(std::move(set));
    return a;
  }();
  return *agent;
}

uint32_t Arc(fuzz::FuzzInput& in) {
  uint8_t b = in.Byte();
  return b < 0xf0 ? b : in.Uint32();
}

bool TypeAllowed(u_char type, u_char table) {
  switch (type) {
    case ASN_INTEGER:
    case ASN_OCTET_STR:
    case ASN_UNSIGNED:  // also Gauge32
    case ASN_COUNTER64:
    case SNMP_NOSUCHOBJECT:
    case SNMP_NOSUCHINSTANCE:
    case SNMP_ENDOFMIBVIEW:
      return true;
    case ASN_NULL:  // unanswered: the agent turns it into an exception
      return true;
    default:
      return table == 0;
  }
}

}  // namespace
}  // namespace periscope

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  TheAgent();
  fuzz::FuzzInput in(data, size);
  const uint8_t sel = in.Byte();
  const int mode = (sel & 1) != 0 ? MODE_GETNEXT : MODE_GET;
  const uint32_t tables[] = {mib::kAgentGroup, mib::kDeviceTable, mib::kDailyTable,
                             mib::kItemTable};
  std::vector<oid> name;
  for (uint32_t arc : mib::Oid({mib::kObjects})) name.push_back(arc);
  name.push_back((sel & 0x08) != 0 ? Arc(in) : tables[(sel >> 1) & 3]);
  if ((sel & 0x10) == 0) {
    name.push_back(mib::kEntry);
    name.push_back(in.Byte() % 25);  // column
  }
  while (!in.empty() && name.size() < MAX_OID_LEN) name.push_back(Arc(in));

  netsnmp_subtree* tree = netsnmp_subtree_find(name.data(), name.size(), nullptr, "");
  if (tree == nullptr || tree->reginfo == nullptr) return 0;

  netsnmp_variable_list* var = nullptr;
  snmp_varlist_add_variable(&var, name.data(), name.size(), ASN_NULL, nullptr, 0);
  FUZZ_CHECK(var != nullptr);
  netsnmp_pdu* pdu = snmp_pdu_create(mode == MODE_GET ? SNMP_MSG_GET : SNMP_MSG_GETNEXT);
  netsnmp_agent_session asp{};
  asp.mode = mode;
  asp.pdu = pdu;
  netsnmp_agent_request_info reqinfo{};
  reqinfo.mode = mode;
  reqinfo.asp = &asp;
  netsnmp_request_info request{};
  request.requestvb = var;
  request.agent_req_info = &reqinfo;
  netsnmp_call_handlers(tree->reginfo, &reqinfo, &request);

  if (std::getenv("FUZZ_DEBUG") != nullptr) print_variable(var->name, var->name_length, var);
  const u_char table = static_cast<u_char>(name[mib::Oid({mib::kObjects}).size()]);
  FUZZ_CHECK(TypeAllowed(var->type, table == mib::kAgentGroup ? 0 : table));
  if (mode == MODE_GETNEXT && var->type != ASN_NULL && request.status == 0) {
    FUZZ_CHECK(snmp_oid_compare(var->name, var->name_length, name.data(), name.size()) > 0);
  }
  netsnmp_free_request_data_sets(&request);
  netsnmp_free_agent_data_sets(&reqinfo);
  snmp_free_varbind(var);
  snmp_free_pdu(pdu);
  return 0;
}
