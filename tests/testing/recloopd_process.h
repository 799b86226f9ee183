// The built recloopd, started on a data directory for a black-box test.
#ifndef RECLOOP_TESTS_TESTING_RECLOOPD_PROCESS_H_
#define RECLOOP_TESTS_TESTING_RECLOOPD_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tests/testing/process.h"

namespace recloop {

class RecloopdProcess {
 public:
  // Starts recloopd on `data_dir` (extra flags in `args`), logging to
  // `log_path`, and waits until it accepts connections; on a port clash or
  // a slow start it tries again on another port. started() says whether it
  // succeeded.
  RecloopdProcess(const std::string& data_dir, const std::string& log_path,
                  const std::vector<std::string>& args = {});

  bool started() const { return process_ != nullptr; }
  pid_t pid() const { return process_->pid(); }
  std::string address() const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  void Signal(int signal) { process_->Signal(signal); }
  // See ChildProcess::Wait.
  int Wait(double timeout_seconds) { return process_->Wait(timeout_seconds); }

 private:
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_RECLOOPD_PROCESS_H_
