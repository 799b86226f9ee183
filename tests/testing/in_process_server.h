// A RecloopServer and its Recloop on a temporary RocksDB store, in the test's
// own process, for tests of clients against the real server. It can be
// stopped and started again on the same port, as a restarted server would be.
#ifndef RECLOOP_TESTS_TESTING_IN_PROCESS_SERVER_H_
#define RECLOOP_TESTS_TESTING_IN_PROCESS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "domain/recloop.h"
#include "server/server.h"
#include "tests/testing/temp_dir.h"

namespace recloop {

class InProcessServer {
 public:
  // Not started; Start() opens the store and listens.
  InProcessServer() = default;
  ~InProcessServer() { Stop(); }

  // Listens on 127.0.0.1, on the port of the previous Start() if any.
  absl::Status Start();
  void Stop();

  std::string address() const;
  RecloopServer* server() { return server_.get(); }

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Recloop> recloop_;
  std::unique_ptr<RecloopServer> server_;
};

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_IN_PROCESS_SERVER_H_
