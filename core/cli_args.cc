#include "core/cli_args.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "core/exit_codes.h"

namespace periscope {

std::string CliArgs::Value(const std::string& name, std::string fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

Result<CliArgs> ParseCliArgs(const std::vector<std::string>& argv,
                             const std::vector<std::string>& with_value,
                             const std::vector<std::string>& flags) {
  CliArgs args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 1 && a[0] == '-') {
      if (std::find(flags.begin(), flags.end(), a) != flags.end()) {
        args.flags[a] = true;
        continue;
      }
      if (std::find(with_value.begin(), with_value.end(), a) == with_value.end()) {
        return InvalidArgumentError(fmt::format("unknown option '{}'", a));
      }
      if (i + 1 >= argv.size()) {
        return InvalidArgumentError(fmt::format("option '{}' needs a value", a));
      }
      args.values[a] = argv[++i];
      continue;
    }
    args.positional.push_back(a);
  }
  return args;
}

void PrintFlushed(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int UsageError(std::string_view program, std::string_view message) {
  std::fflush(stdout);
  std::fputs(fmt::format("{}: {}\ntry '{} --help'\n", program, message, program).c_str(), stderr);
  return kExitUsage;
}

int FailWith(std::string_view program, const Status& status) {
  std::fflush(stdout);
  std::fputs(fmt::format("{}: {}\n", program, status.message()).c_str(), stderr);
  return ExitCodeFor(status);
}

}  // namespace periscope
