#include "tests/testing/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/testing/poll.h"

namespace recloop {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string BinaryFromEnv(const char* env) {
  const char* path = std::getenv(env);
  if (path != nullptr && *path != '\0') return path;
  if (std::string(env) == "RECLOOPD") return RECLOOPD_PATH;
  if (std::string(env) == "RECLOOP_CLI") return RECLOOP_CLI_PATH;
  if (std::string(env) == "RECLOOP_REPLAY") return RECLOOP_REPLAY_PATH;
  if (std::string(env) == "RECLOOP_ENGINE_REPLAY") return RECLOOP_ENGINE_REPLAY_PATH;
  if (std::string(env) == "RECLOOP_ENGINE_BENCH") return RECLOOP_ENGINE_BENCH_PATH;
  ADD_FAILURE() << "no binary known for " << env;
  return "";
}

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return 0;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::string& log_path) {
  std::vector<char*> args = Argv(argv);
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int ChildProcess::Wait(double timeout_seconds) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int>(timeout_seconds * 1000));
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         absl::Duration timeout) {
  char in_path[] = "/tmp/recloop-cmd-in-XXXXXX";
  char out_path[] = "/tmp/recloop-cmd-out-XXXXXX";
  char err_path[] = "/tmp/recloop-cmd-err-XXXXXX";
  int in_fd = mkstemp(in_path);
  int out_fd = mkstemp(out_path);
  int err_fd = mkstemp(err_path);
  for (size_t written = 0; written < input.size();) {
    ssize_t n = write(in_fd, input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  lseek(in_fd, 0, SEEK_SET);
  std::vector<char*> args = Argv(argv);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // Its own process group, so that a timeout kills it all.
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid > 0) setpgid(pid, pid);  // Either side may run first.
  int status = 0;
  bool timed_out = false;
  if (pid > 0) {
    const auto exited = [&] { return waitpid(pid, &status, WNOHANG) == pid; };
    if (!PollUntil(exited, timeout, absl::Milliseconds(2))) {
      timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  close(in_fd);
  close(out_fd);
  close(err_fd);
  CommandResult result{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                       ReadFile(out_path), ReadFile(err_path)};
  if (pid < 0) {
    result.exit_code = -1;
    result.err += "RunCommand: fork failed\n";
  }
  if (timed_out) {
    result.exit_code = -1;
    absl::StrAppend(&result.err, "\nRunCommand: killed after ", absl::FormatDuration(timeout),
                    ": ", absl::StrJoin(argv, " "), "\n");
  }
  unlink(in_path);
  unlink(out_path);
  unlink(err_path);
  return result;
}

}  // namespace recloop
