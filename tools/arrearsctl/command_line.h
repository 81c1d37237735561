// arrearsctl's command line: one command word, its positional arguments and
// flags, plus flags every command takes (addresses, output format).
//
//   arrearsctl [global flags] <command> [args] [flags]
//
// Flags are --name=value, or --name alone for switches; they may come before
// or after the command word. Every parse error is InvalidArgument whose
// message names the offending argument (the tool exits 2 on it). The command
// table is the single source of the usage text. Pure; thread-safe.
#ifndef ARREARS_TOOLS_ARREARSCTL_COMMAND_LINE_H_
#define ARREARS_TOOLS_ARREARSCTL_COMMAND_LINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::ctl {

struct FlagSpec {
  std::string name;
  // --name=value (true) or a switch --name (false).
  bool takes_value = true;
  std::string help;
};

struct CommandSpec {
  std::string name;
  // e.g. "<loan_id>"; empty when the command takes none.
  std::string arguments;
  int min_arguments = 0;
  int max_arguments = 0;
  std::vector<FlagSpec> flags;
  std::string help;
};

// Every command, in the order the usage lists them.
const std::vector<CommandSpec>& Commands();
// Flags every command accepts.
const std::vector<FlagSpec>& GlobalFlags();

struct ParsedCommand {
  const CommandSpec* spec = nullptr;
  std::vector<std::string> arguments;
  // Flag name -> value ("true" for a switch given).
  std::map<std::string, std::string> flags;

  bool Has(absl::string_view flag) const;
  // The flag's value, or `fallback` when not given.
  std::string Get(absl::string_view flag, absl::string_view fallback = "") const;
};

// `args` are argv without the program name. "help", "--help" or no command
// at all yield the "help" command (with the topic command as argument).
absl::StatusOr<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args);

// The whole usage text, or one command's.
std::string Usage();
std::string CommandUsage(const CommandSpec& spec);

}  // namespace arrears::ctl

#endif  // ARREARS_TOOLS_ARREARSCTL_COMMAND_LINE_H_
