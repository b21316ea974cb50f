#include "subagent/mib_tables.h"

#include <algorithm>

#include <fmt/format.h>

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
// clang-format on

#include "core/clock.h"
#include "core/log.h"
#include "core/snmp/values.h"
#include "mib/periscope_oids.h"

namespace periscope::subagent {

namespace {

using snmp::SaturateToGauge32;

std::vector<oid> ToOid(const mib::OidVector& v) { return std::vector<oid>(v.begin(), v.end()); }

struct DailyRef {
  const DeviceSnapshot* device;
  const DailyFigures* day;
};
struct ItemRef {
  const DeviceSnapshot* device;
  const ItemValue* item;
};

// 1970-01-01,00:00:00.0: the MIB's "no sample yet" DateAndTime.
constexpr uint8_t kNoTime[8] = {0x07, 0xb2, 1, 1, 0, 0, 0, 0};

void SetTime(netsnmp_variable_list* vb,
             const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) {
    snmp_set_var_typed_value(vb, ASN_OCTET_STR, kNoTime, sizeof kNoTime);
    return;
  }
  DateAndTimeOctets octets = LocalDateAndTime(*t);
  snmp_set_var_typed_value(vb, ASN_OCTET_STR, octets.data(), octets.size());
}

// Answers every request in a non-GET mode with notWritable. Returns true when
// it did (the caller then returns). The registrations are read-only, so the
// agent normally refuses SETs before calling us; this is the second fence.
bool RefuseNonGet(netsnmp_agent_request_info* reqinfo, netsnmp_request_info* requests) {
  if (reqinfo->mode == MODE_GET) return false;
  for (netsnmp_request_info* r = requests; r != nullptr; r = r->next) {
    netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
  }
  return true;
}

}  // namespace

struct MibTables::Impl {
  MibTables* owner = nullptr;
  std::string agent_version;
  netsnmp_tdata* device_table = nullptr;
  netsnmp_tdata* daily_table = nullptr;
  netsnmp_tdata* item_table = nullptr;
  // Rows as registered, and the keys they were built for (see RebuildRows).
  std::vector<netsnmp_tdata_row*> device_rows;
  std::vector<DailyRef> daily_refs;
  std::vector<std::pair<uint32_t, DateYmd>> daily_keys;
  std::vector<ItemRef> item_refs;
  std::vector<std::pair<uint32_t, std::string>> item_keys;

  static int AgentHandler(netsnmp_mib_handler* handler, netsnmp_handler_registration* reginfo,
                          netsnmp_agent_request_info* reqinfo,
                          netsnmp_request_info* requests) noexcept;
  static int DeviceHandler(netsnmp_mib_handler* handler, netsnmp_handler_registration* reginfo,
                           netsnmp_agent_request_info* reqinfo,
                           netsnmp_request_info* requests) noexcept;
  static int DailyHandler(netsnmp_mib_handler* handler, netsnmp_handler_registration* reginfo,
                          netsnmp_agent_request_info* reqinfo,
                          netsnmp_request_info* requests) noexcept;
  static int ItemHandler(netsnmp_mib_handler* handler, netsnmp_handler_registration* reginfo,
                         netsnmp_agent_request_info* reqinfo,
                         netsnmp_request_info* requests) noexcept;
};

int MibTables::Impl::AgentHandler(netsnmp_mib_handler* /*handler*/,
                                  netsnmp_handler_registration* reginfo,
                                  netsnmp_agent_request_info* reqinfo,
                                  netsnmp_request_info* requests) noexcept {
  if (RefuseNonGet(reqinfo, requests)) return SNMP_ERR_NOERROR;
  auto* impl = static_cast<Impl*>(reginfo->my_reg_void);
  const MibTables& t = *impl->owner;
  // The scalar_group helper passes a reginfo whose rootoid is the instance, so
  // positions come from the group's own OID: <group>.<scalar>.0
  static const size_t kGroupLen = mib::Oid({mib::kObjects, mib::kAgentGroup}).size();
  for (netsnmp_request_info* r = requests; r != nullptr; r = r->next) {
    if (r->processed) continue;
    netsnmp_variable_list* vb = r->requestvb;
    if (vb == nullptr || vb->name_length != kGroupLen + 2 || vb->name[kGroupLen + 1] != 0) {
      netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
      continue;
    }
    switch (vb->name[kGroupLen]) {
      case mib::kAgentVersion:
        snmp::SetOctets(vb, impl->agent_version);
        break;
      case mib::kAgentSamplingIntervalS:
        snmp::SetUnsigned32(vb, t.config_.sampling_interval_s);
        break;
      case mib::kAgentLastSampleTime:
        SetTime(vb, t.current_.sampled_at);
        break;
      case mib::kAgentDeviceCount:
        snmp::SetUnsigned32(vb, static_cast<uint32_t>(t.current_.devices.size()));
        break;
      case mib::kAgentCapacityThresholdPct:
        snmp::SetUnsigned32(vb, t.config_.capacity_threshold_pct);
        break;
      case mib::kAgentCapacityHysteresisPct:
        snmp::SetUnsigned32(vb, t.config_.capacity_hysteresis_pct);
        break;
      case mib::kAgentDailyRetentionDays:
        snmp::SetUnsigned32(vb, t.config_.daily_retention_days);
        break;
      default:
        netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
        break;
    }
  }
  return SNMP_ERR_NOERROR;
}

int MibTables::Impl::DeviceHandler(netsnmp_mib_handler* /*handler*/,
                                   netsnmp_handler_registration* reginfo,
                                   netsnmp_agent_request_info* reqinfo,
                                   netsnmp_request_info* requests) noexcept {
  if (RefuseNonGet(reqinfo, requests)) return SNMP_ERR_NOERROR;
  auto* impl = static_cast<Impl*>(reginfo->my_reg_void);
  const uint32_t interval_s = impl->owner->config_.sampling_interval_s;
  for (netsnmp_request_info* r = requests; r != nullptr; r = r->next) {
    if (r->processed) continue;
    auto* s = static_cast<const DeviceSnapshot*>(netsnmp_tdata_extract_entry(r));
    netsnmp_table_request_info* ti = netsnmp_extract_table_info(r);
    netsnmp_variable_list* vb = r->requestvb;
    if (s == nullptr || ti == nullptr || vb == nullptr || s->config == nullptr) {
      netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
      continue;
    }
    const DeviceConfig& c = *s->config;
    switch (ti->colnum) {
      case mib::kDeviceType:
        snmp::SetInteger(vb, static_cast<int32_t>(c.type));
        break;
      case mib::kDeviceProductName:
        snmp::SetOctets(vb, c.product_name);
        break;
      case mib::kDeviceModel:
        snmp::SetOctets(vb, c.model);
        break;
      case mib::kDeviceProductNumber:
        snmp::SetOctets(vb, c.product_number);
        break;
      case mib::kDeviceSerialNumber:
        snmp::SetOctets(vb, c.serial_number);
        break;
      case mib::kDeviceConfiguration:
        snmp::SetOctets(vb, c.configuration);
        break;
      case mib::kDeviceFirmware:
        snmp::SetOctets(vb, c.firmware);
        break;
      case mib::kDeviceCapacityBytes:
        snmp::SetCounter64(vb, s->capacity_bytes);
        break;
      case mib::kDeviceCacheBytes:
        snmp::SetCounter64(vb, c.cache_bytes);
        break;
      case mib::kDeviceSaleDate:
        if (c.sale_date) {
          auto octets = DateOnlyDateAndTime(*c.sale_date);
          snmp_set_var_typed_value(vb, ASN_OCTET_STR, octets.data(), octets.size());
        } else {
          snmp_set_var_typed_value(vb, ASN_OCTET_STR, kNoTime, sizeof kNoTime);
        }
        break;
      case mib::kDevicePrice:
        snmp::SetCounter64(vb, c.price_minor_units);
        break;
      case mib::kDeviceCurrency:
        snmp::SetOctets(vb, c.currency);
        break;
      case mib::kDeviceUserId:
        snmp::SetOctets(vb, c.user_id);
        break;
      case mib::kDeviceUsedBytes:
        snmp::SetCounter64(vb, s->used_bytes);
        break;
      case mib::kDeviceLoadIntervalS:
        snmp::SetUnsigned32(vb, interval_s);
        break;
      case mib::kDeviceLoadPeakToday:
        snmp::SetGauge32(vb, SaturateToGauge32(s->today.load_peak));
        break;
      case mib::kDeviceLoadAvgToday:
        snmp::SetGauge32(vb, SaturateToGauge32(s->today.LoadAvgHundredths()));
        break;
      case mib::kDeviceWritesCompleted:
        snmp::SetCounter64(vb, s->writes_total);
        break;
      case mib::kDeviceBytesWritten:
        snmp::SetCounter64(vb, s->bytes_total);
        break;
      case mib::kDeviceStatus:
        snmp::SetInteger(vb, static_cast<int32_t>(s->status));
        break;
      case mib::kDeviceStatusText:
        snmp::SetOctets(vb, s->status_text);
        break;
      case mib::kDeviceLastSampleTime:
        SetTime(vb, s->sampled_at);
        break;
      default:
        netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
        break;
    }
  }
  return SNMP_ERR_NOERROR;
}

int MibTables::Impl::DailyHandler(netsnmp_mib_handler* /*handler*/,
                                  netsnmp_handler_registration* /*reginfo*/,
                                  netsnmp_agent_request_info* reqinfo,
                                  netsnmp_request_info* requests) noexcept {
  if (RefuseNonGet(reqinfo, requests)) return SNMP_ERR_NOERROR;
  for (netsnmp_request_info* r = requests; r != nullptr; r = r->next) {
    if (r->processed) continue;
    auto* ref = static_cast<const DailyRef*>(netsnmp_tdata_extract_entry(r));
    netsnmp_table_request_info* ti = netsnmp_extract_table_info(r);
    netsnmp_variable_list* vb = r->requestvb;
    if (ref == nullptr || ti == nullptr || vb == nullptr) {
      netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
      continue;
    }
    const DailyFigures& d = *ref->day;
    switch (ti->colnum) {
      case mib::kDailyLoadPeak:
        snmp::SetGauge32(vb, SaturateToGauge32(d.load_peak));
        break;
      case mib::kDailyLoadAvg:
        snmp::SetGauge32(vb, SaturateToGauge32(d.LoadAvgHundredths()));
        break;
      case mib::kDailyUsedBytes:
        snmp::SetCounter64(vb, d.used_bytes);
        break;
      case mib::kDailyIntervals:
        snmp::SetUnsigned32(vb, d.intervals);
        break;
      default:
        netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
        break;
    }
  }
  return SNMP_ERR_NOERROR;
}

int MibTables::Impl::ItemHandler(netsnmp_mib_handler* /*handler*/,
                                 netsnmp_handler_registration* /*reginfo*/,
                                 netsnmp_agent_request_info* reqinfo,
                                 netsnmp_request_info* requests) noexcept {
  if (RefuseNonGet(reqinfo, requests)) return SNMP_ERR_NOERROR;
  for (netsnmp_request_info* r = requests; r != nullptr; r = r->next) {
    if (r->processed) continue;
    auto* ref = static_cast<const ItemRef*>(netsnmp_tdata_extract_entry(r));
    netsnmp_table_request_info* ti = netsnmp_extract_table_info(r);
    netsnmp_variable_list* vb = r->requestvb;
    if (ref == nullptr || ti == nullptr || vb == nullptr) {
      netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
      continue;
    }
    const ItemValue& item = *ref->item;
    switch (ti->colnum) {
      case mib::kItemValue:
        snmp::SetOctets(vb, item.value);
        break;
      case mib::kItemUnit:
        snmp::SetOctets(vb, item.unit);
        break;
      case mib::kItemSource:
        snmp::SetInteger(vb, static_cast<int32_t>(item.source));
        break;
      default:
        netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
        break;
    }
  }
  return SNMP_ERR_NOERROR;
}

MibTables::MibTables(const SubagentConfig& config)
    : config_(config), impl_(std::make_unique<Impl>()) {
  impl_->owner = this;
}

MibTables::~MibTables() = default;

namespace {

// Registers one tdata table at its table OID (the helper adds the entry arc);
// the table takes ownership of `ti`.
Status RegisterTable(const char* name, Netsnmp_Node_Handler* handler, const mib::OidVector& base,
                     netsnmp_tdata* table, netsnmp_table_registration_info* ti, void* context) {
  std::vector<oid> o = ToOid(base);
  netsnmp_handler_registration* reg =
      netsnmp_create_handler_registration(name, handler, o.data(), o.size(), HANDLER_CAN_RONLY);
  if (reg == nullptr) return InternalError(fmt::format("cannot create registration for {}", name));
  reg->my_reg_void = context;
  if (netsnmp_tdata_register(reg, table, ti) != MIB_REGISTERED_OK) {
    return InternalError(fmt::format("cannot register {}", name));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<MibTables>> MibTables::Register(const SubagentConfig& config,
                                                       std::string agent_version) {
  std::unique_ptr<MibTables> t(new MibTables(config));
  Impl& impl = *t->impl_;
  impl.agent_version = std::move(agent_version);

  std::vector<oid> agent_oid = ToOid(mib::Oid({mib::kObjects, mib::kAgentGroup}));
  netsnmp_handler_registration* agent_reg = netsnmp_create_handler_registration(
      "periscopeAgent", Impl::AgentHandler, agent_oid.data(), agent_oid.size(), HANDLER_CAN_RONLY);
  if (agent_reg == nullptr) return InternalError("cannot create periscopeAgent registration");
  agent_reg->my_reg_void = &impl;
  if (netsnmp_register_scalar_group(agent_reg, mib::kAgentFirstScalar, mib::kAgentLastScalar) !=
      MIB_REGISTERED_OK) {
    return InternalError("cannot register periscopeAgent scalars");
  }

  impl.device_table = netsnmp_tdata_create_table("periscopeDeviceTable", 0);
  auto* dti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
  netsnmp_table_helper_add_indexes(dti, ASN_UNSIGNED, 0);
  dti->min_column = mib::kDeviceFirstColumn;
  dti->max_column = mib::kDeviceLastColumn;
  PERISCOPE_RETURN_IF_ERROR(RegisterTable("periscopeDeviceTable", Impl::DeviceHandler,
                                          mib::Oid({mib::kObjects, mib::kDeviceTable}),
                                          impl.device_table, dti, &impl));

  impl.daily_table = netsnmp_tdata_create_table("periscopeDailyTable", 0);
  auto* yti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
  netsnmp_table_helper_add_indexes(yti, ASN_UNSIGNED, ASN_UNSIGNED, 0);
  yti->min_column = mib::kDailyFirstColumn;
  yti->max_column = mib::kDailyLastColumn;
  PERISCOPE_RETURN_IF_ERROR(RegisterTable("periscopeDailyTable", Impl::DailyHandler,
                                          mib::Oid({mib::kObjects, mib::kDailyTable}),
                                          impl.daily_table, yti, &impl));

  impl.item_table = netsnmp_tdata_create_table("periscopeItemTable", 0);
  auto* iti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
  netsnmp_table_helper_add_indexes(iti, ASN_UNSIGNED, ASN_PRIV_IMPLIED_OCTET_STR, 0);
  iti->min_column = mib::kItemFirstColumn;
  iti->max_column = mib::kItemLastColumn;
  PERISCOPE_RETURN_IF_ERROR(RegisterTable("periscopeItemTable", Impl::ItemHandler,
                                          mib::Oid({mib::kObjects, mib::kItemTable}),
                                          impl.item_table, iti, &impl));
  return t;
}

namespace {

void ClearTable(netsnmp_tdata* table) {
  while (netsnmp_tdata_row* row = netsnmp_tdata_row_first(table)) {
    netsnmp_tdata_remove_and_delete_row(table, row);
  }
}

void AddUnsignedIndex(netsnmp_tdata_row* row, uint32_t value) {
  u_long v = value;
  snmp_varlist_add_variable(&row->indexes, nullptr, 0, ASN_UNSIGNED,
                            reinterpret_cast<const u_char*>(&v), sizeof v);
}

}  // namespace

void MibTables::RebuildRows() {
  Impl& impl = *impl_;
  // Row sets change rarely (a new day, a new item); values change every sample.
  // When the keys are unchanged only the data pointers move, which keeps the
  // per-sample cost and heap churn of the agent library's rows away.
  std::vector<DailyRef> daily_refs;
  std::vector<std::pair<uint32_t, DateYmd>> daily_keys;
  std::vector<ItemRef> item_refs;
  std::vector<std::pair<uint32_t, std::string>> item_keys;
  for (const DeviceSnapshot& s : current_.devices) {
    for (const DailyFigures& d : s.history) daily_refs.push_back({&s, &d});
    if (s.today.date != 0) daily_refs.push_back({&s, &s.today});
    for (const ItemValue& i : s.items) item_refs.push_back({&s, &i});
  }
  for (const DailyRef& r : daily_refs)
    daily_keys.emplace_back(r.device->config->index, r.day->date);
  for (const ItemRef& r : item_refs) item_keys.emplace_back(r.device->config->index, r.item->name);

  if (impl.device_rows.size() == current_.devices.size()) {
    for (size_t i = 0; i < current_.devices.size(); ++i) {
      impl.device_rows[i]->data = &current_.devices[i];
    }
  } else {
    ClearTable(impl.device_table);
    impl.device_rows.clear();
    for (DeviceSnapshot& s : current_.devices) {
      netsnmp_tdata_row* row = netsnmp_tdata_create_row();
      if (row == nullptr) continue;
      row->data = &s;
      AddUnsignedIndex(row, s.config->index);
      if (netsnmp_tdata_add_row(impl.device_table, row) != SNMPERR_SUCCESS) {
        netsnmp_tdata_delete_row(row);
        continue;
      }
      impl.device_rows.push_back(row);
    }
  }

  if (daily_keys == impl.daily_keys) {
    // Same size: element-wise assignment keeps every row's data pointer valid.
    std::copy(daily_refs.begin(), daily_refs.end(), impl.daily_refs.begin());
  } else {
    ClearTable(impl.daily_table);
    impl.daily_refs = std::move(daily_refs);
    impl.daily_keys = std::move(daily_keys);
    for (DailyRef& ref : impl.daily_refs) {
      netsnmp_tdata_row* row = netsnmp_tdata_create_row();
      if (row == nullptr) continue;
      row->data = &ref;
      AddUnsignedIndex(row, ref.device->config->index);
      AddUnsignedIndex(row, ref.day->date);
      if (netsnmp_tdata_add_row(impl.daily_table, row) != SNMPERR_SUCCESS) {
        netsnmp_tdata_delete_row(row);  // a duplicate key; the first row stays
      }
    }
  }

  if (item_keys == impl.item_keys) {
    std::copy(item_refs.begin(), item_refs.end(), impl.item_refs.begin());
  } else {
    ClearTable(impl.item_table);
    impl.item_refs = std::move(item_refs);
    impl.item_keys = std::move(item_keys);
    for (ItemRef& ref : impl.item_refs) {
      netsnmp_tdata_row* row = netsnmp_tdata_create_row();
      if (row == nullptr) continue;
      row->data = &ref;
      AddUnsignedIndex(row, ref.device->config->index);
      snmp_varlist_add_variable(&row->indexes, nullptr, 0, ASN_PRIV_IMPLIED_OCTET_STR,
                                reinterpret_cast<const u_char*>(ref.item->name.data()),
                                ref.item->name.size());
      if (netsnmp_tdata_add_row(impl.item_table, row) != SNMPERR_SUCCESS) {
        netsnmp_tdata_delete_row(row);
      }
    }
  }
}

void MibTables::Update(SampleSet set) {
  current_ = std::move(set);
  RebuildRows();
}

void MibTables::MarkAllUnavailable(const std::string& reason) {
  for (DeviceSnapshot& s : current_.devices) {
    s.status = mib::DeviceStatus::kUnavailable;
    s.status_text = reason;
    for (ItemValue& item : s.items) {
      if (item.source == mib::ItemSource::kBuiltin && item.name == "status")
        item.value = "unavailable";
    }
  }
}

}  // namespace periscope::subagent
