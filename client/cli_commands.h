// The subcommands of the recloop CLI, apart from flag parsing (which stays in
// recloop_cli.cc, where the flags are defined, so that --helpfull lists them
// under one file).
#ifndef RECLOOP_CLIENT_CLI_COMMANDS_H_
#define RECLOOP_CLIENT_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace recloop::cli {

// The flags, copied once after parsing. Values are as the user spelled them:
// the command that uses a value checks it, so a bad value is reported only
// by a command that reads it, and in the same order as before.
struct CliOptions {
  std::string address;
  absl::Duration timeout;
  int max_attempts = 0;
  std::string output;  // json or table
  // put-events from standard input.
  std::string input_format;
  std::string progress;
  absl::Duration progress_interval;
  absl::Duration flush_interval;
  // Control plane.
  std::string name;
  std::string schema_file;
  std::string dataset_group;
  int max_results = 0;
  std::string next_token;
  // Events.
  std::string tracking_id;
  std::string user_id;
  std::string session_id;
  std::string event_id;
  std::string event_type;
  std::string event_value;
  std::string item_id;
  std::string properties;
  std::string sent_at;
  std::string recommendation_id;
  std::vector<std::string> impression;
  std::string attribution_source;
  // Recommendations and recommenders.
  std::string recommender;
  int num_results = 0;
  std::vector<std::string> context;
  std::vector<std::string> input_list;
  std::string recipe;
  std::string config;
};

// Runs `command` against the server at options.address and returns the exit
// code: 0 on success, 1 for a failed call or rejected input (the status is
// printed on stderr), 2 for bad usage ("usage error: ..." on stderr).
int RunCommand(const std::string& command, const CliOptions& options);

// For the command implementations (cli_commands.cc, cli_import.cc) only.
namespace internal {

// Bad usage, thrown by the commands and turned into exit code 2 by
// RunCommand; it never leaves RunCommand.
struct UsageError {
  std::string message;
};

// Prints `status` as "error: CODE: message" on stderr and returns 1.
int PrintStatus(const absl::Status& status);

// Whether --output asks for a table; throws UsageError for an unknown value.
bool TableOutput(const CliOptions& options);

}  // namespace internal
}  // namespace recloop::cli

#endif  // RECLOOP_CLIENT_CLI_COMMANDS_H_
