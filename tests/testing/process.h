// Runs the built binaries (recloopd, recloop) as child processes, for
// black-box tests.
#ifndef RECLOOP_TESTS_TESTING_PROCESS_H_
#define RECLOOP_TESTS_TESTING_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace recloop {

// The path of a built binary: the environment variable `env` (RECLOOPD or
// RECLOOP_CLI) when set, otherwise the one this build produced.
std::string BinaryFromEnv(const char* env);

// A free TCP port on 127.0.0.1 (free when asked; tests retry on a clash).
int PickFreePort();

class ChildProcess {
 public:
  // Starts `argv` with stdout and stderr appended to `log_path`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  // Kills the process (SIGKILL) if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // Waits up to `timeout_seconds` for exit; returns the exit code, 128+N
  // for death by signal N, or -1 on timeout.
  int Wait(double timeout_seconds);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs a command to completion, with `input` as its standard input, and
// captures its output. A command still running after `timeout` is killed
// with everything it started (its process group): exit_code is then -1 and
// err ends with a line saying so.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         absl::Duration timeout = absl::Minutes(1));

std::string ReadFile(const std::string& path);

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_PROCESS_H_
