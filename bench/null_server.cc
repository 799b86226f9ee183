// recloop-null-server: the transport baseline for load benchmarks. A gRPC
// callback server that answers every unary call, whatever its method, with
// an empty message: what is left is the cost of gRPC itself. Benchmarks
// load it with the same ghz settings as recloopd and report the ratio.
//
//   recloop-null-server --listen=127.0.0.1:50052
#include <signal.h>

#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "host:port");

namespace {

// Reads the one request message, answers with zero bytes (a valid empty
// protobuf message of any type), and finishes.
class EmptyReply final : public grpc::ServerGenericBidiReactor {
 public:
  EmptyReply() {
    // A zero-length message; a default ByteBuffer is "no message" instead.
    grpc::Slice empty;
    reply_ = grpc::ByteBuffer(&empty, 1);
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
      return;
    }
    StartWriteAndFinish(&reply_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer request_;
  grpc::ByteBuffer reply_;
};

class AnyMethod final : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* /*context*/) override {
    return new EmptyReply();
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  AnyMethod service;
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterCallbackGenericService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    fprintf(stderr, "cannot listen on %s\n", absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  fprintf(stderr, "null server listening on port %d\n", port);
  int received;
  sigwait(&signals, &received);
  server->Shutdown();
  return 0;
}
