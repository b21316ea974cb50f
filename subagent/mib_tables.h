// PERISCOPE-MIB objects registered with the Net-SNMP agent library.
//
// Handlers answer only from the SampleSet held here (a cache): they never
// block and never touch the disks. Every object is registered read-only; any
// SET is answered notWritable. Owned and called on the SNMP thread only.
#ifndef PERISCOPE_SUBAGENT_MIB_TABLES_H_
#define PERISCOPE_SUBAGENT_MIB_TABLES_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "subagent/config.h"
#include "subagent/sampler.h"

namespace periscope::subagent {

class MibTables {
 public:
  // Registers the scalars and the three tables. REQUIRES: init_agent() done.
  // `config` must outlive the MibTables.
  static Result<std::unique_ptr<MibTables>> Register(const SubagentConfig& config,
                                                     std::string agent_version);
  ~MibTables();
  MibTables(const MibTables&) = delete;
  MibTables& operator=(const MibTables&) = delete;

  // Replaces what is served with `set` (rows are rebuilt).
  void Update(SampleSet set);

  // Marks every device unavailable with `reason`, keeping its last figures.
  void MarkAllUnavailable(const std::string& reason);

  const SampleSet& current() const { return current_; }

  struct Impl;

 private:
  explicit MibTables(const SubagentConfig& config);
  void RebuildRows();

  const SubagentConfig& config_;
  std::unique_ptr<Impl> impl_;
  SampleSet current_;
};

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_MIB_TABLES_H_
