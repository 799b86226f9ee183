#include "tests/testing/recloopd_process.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace recloop {

RecloopdProcess::RecloopdProcess(const std::string& data_dir, const std::string& log_path,
                                 const std::vector<std::string>& args) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = PickFreePort();
    std::vector<std::string> argv = {BinaryFromEnv("RECLOOPD"),
                                     absl::StrCat("--listen=127.0.0.1:", port_),
                                     "--data_dir=" + data_dir};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<ChildProcess>(argv, log_path);
    channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    if (channel_->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(30))) {
      return;
    }
    process_.reset();
  }
}

std::string RecloopdProcess::address() const { return absl::StrCat("127.0.0.1:", port_); }

}  // namespace recloop
