// RecloopServer: the gRPC server that exposes a Recloop instance, with
// health checking and reflection. Used by recloopd and by the end-to-end
// tests, so both run the same wiring.
#ifndef RECLOOP_SERVER_SERVER_H_
#define RECLOOP_SERVER_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/recloop.h"
#include "grpcpp/grpcpp.h"
#include "server/event_service.h"
#include "server/event_tracker_service.h"
#include "server/recommendation_service.h"
#include "server/worker_pool.h"

namespace recloop {

struct ServerOptions {
  // host:port; port 0 picks a free port (see RecloopServer::port()).
  std::string listen = "127.0.0.1:50051";
  // Larger requests are rejected by gRPC with RESOURCE_EXHAUSTED.
  int max_receive_message_bytes = 4 << 20;
  // Data-plane calls in progress (queued or running) beyond this get
  // RESOURCE_EXHAUSTED at once (0: no bound).
  int max_in_flight = 1000;
  // The same for the request bytes those calls hold (0: no bound).
  int64_t max_in_flight_bytes = int64_t{256} << 20;
  // Threads that run calls (0: 4 per core, at least 8): the work blocks on
  // the store and on locks, so a few more than cores keep the CPU busy.
  int worker_threads = 0;
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
  RecloopServer(Recloop* recloop, const ServerOptions& options);
  // Keeps the health service's view of writes (EventService NOT_SERVING
  // while the store refuses writes) up to date until shutdown.
  void WatchWrites();

  Recloop* const recloop_;
  Admission admission_;
  // Declared before the services and the server, so that it outlives the
  // calls it runs.
  WorkerPool pool_;
  EventTrackerService tracker_service_;
  EventService event_service_;
  RecommendationService recommendation_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Mutex watch_mu_;
  bool stopping_ ABSL_GUARDED_BY(watch_mu_) = false;
  std::thread watcher_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_SERVER_H_
