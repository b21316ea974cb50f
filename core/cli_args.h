// Command-line arguments of the periscope tools: `--name value` options,
// bare `--flag`s and positional arguments, in any order.
#ifndef PERISCOPE_CORE_CLI_ARGS_H_
#define PERISCOPE_CORE_CLI_ARGS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace periscope {

struct CliArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;

  // The option's value, or `fallback` when it was not given.
  std::string Value(const std::string& name, std::string fallback = "") const;
  bool Has(const std::string& name) const { return values.count(name) || flags.count(name); }
};

// Parses `argv` (without the program and command): names in `with_value`
// take the next argument; names in `flags` stand alone. InvalidArgument for
// an unknown option or a missing value, quoting it.
Result<CliArgs> ParseCliArgs(const std::vector<std::string>& argv,
                             const std::vector<std::string>& with_value,
                             const std::vector<std::string>& flags);

// What the tools print around a command (every periscope CLI uses these):
// stdout written and flushed at once, so stderr lines that follow stay after
// it in a shared log; "PROGRAM: message" on stderr for a usage error (with a
// pointer to --help; returns kExitUsage) or a failed job (returns
// ExitCodeFor(status)).
void PrintFlushed(std::string_view text);
int UsageError(std::string_view program, std::string_view message);
int FailWith(std::string_view program, const Status& status);

}  // namespace periscope

#endif  // PERISCOPE_CORE_CLI_ARGS_H_
