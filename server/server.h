// RecloopServer: the gRPC server that exposes a Recloop instance, with
// health checking and reflection. Used by recloopd and by the end-to-end
// tests, so both run the same wiring.
#ifndef RECLOOP_SERVER_SERVER_H_
#define RECLOOP_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/recloop.h"
#include "grpcpp/grpcpp.h"
#include "server/event_service.h"
#include "server/event_tracker_service.h"
#include "server/recommendation_service.h"

namespace recloop {

struct ServerOptions {
  // host:port; port 0 picks a free port (see RecloopServer::port()).
  std::string listen = "127.0.0.1:50051";
  // Larger requests are rejected by gRPC with RESOURCE_EXHAUSTED.
  int max_receive_message_bytes = 4 << 20;
  // Data-plane calls in progress beyond this get RESOURCE_EXHAUSTED at once
  // (0: no bound).
  int max_in_flight = 1000;
};

class RecloopServer {
 public:
  // Starts serving `recloop`, which must outlive the server.
  static absl::StatusOr<std::unique_ptr<RecloopServer>> Start(
      Recloop* recloop, const ServerOptions& options);
  ~RecloopServer();

  int port() const { return port_; }
  // The data plane's admission control (tests fill it to simulate load).
  Admission* admission() { return &admission_; }
  // Stops accepting calls and waits up to `grace` for in-flight ones, then
  // cancels what remains.
  void Shutdown(absl::Duration grace);

 private:
  RecloopServer(Recloop* recloop, const ServerOptions& options)
      : admission_(options.max_in_flight),
        tracker_service_(recloop),
        event_service_(recloop, &admission_),
        recommendation_service_(recloop, &admission_) {}

  Admission admission_;
  EventTrackerService tracker_service_;
  EventService event_service_;
  RecommendationService recommendation_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_SERVER_H_
