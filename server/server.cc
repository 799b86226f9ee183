#include "server/server.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace recloop {
namespace {

constexpr char kEventService[] = "recloop.v1.EventService";

int WorkerThreads(int configured) {
  if (configured > 0) return configured;
  return std::max(8, 4 * static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

RecloopServer::RecloopServer(Recloop* recloop, const ServerOptions& options)
    : recloop_(recloop),
      admission_(options.max_in_flight, options.max_in_flight_bytes),
      // Every admitted data-plane call may wait in the queue, and a few
      // control-plane calls beside them.
      pool_(WorkerThreads(options.worker_threads),
            static_cast<size_t>(options.max_in_flight > 0 ? options.max_in_flight
                                                          : 100000) +
                64),
      tracker_service_(recloop, CallRunner{&pool_, &admission_}),
      event_service_(recloop, CallRunner{&pool_, &admission_}),
      recommendation_service_(recloop, CallRunner{&pool_, &admission_}) {}

absl::StatusOr<std::unique_ptr<RecloopServer>> RecloopServer::Start(
    Recloop* recloop, const ServerOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  InstallProtobufLogHandler();

  auto server = std::unique_ptr<RecloopServer>(new RecloopServer(recloop, options));
  grpc::ServerBuilder builder;
  // gRPC enables SO_REUSEPORT by default, which lets a second server bind
  // the same port and silently steal half the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(&server->tracker_service_);
  builder.RegisterService(&server->event_service_);
  builder.RegisterService(&server->recommendation_service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use, or not a valid host:port?)"));
  }
  // "" is the whole server (reads always work); EventService is whether
  // writes are taken.
  server->server_->GetHealthCheckService()->SetServingStatus(kEventService, true);
  server->watcher_ = std::thread([s = server.get()] { s->WatchWrites(); });
  return server;
}

RecloopServer::~RecloopServer() { Shutdown(absl::ZeroDuration()); }

void RecloopServer::WatchWrites() {
  bool writable = true;
  absl::MutexLock lock(&watch_mu_);
  while (!stopping_) {
    const bool now = recloop_->writable();
    if (now != writable) {
      writable = now;
      server_->GetHealthCheckService()->SetServingStatus(kEventService, writable);
    }
    watch_mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(250));
  }
}

void RecloopServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&watch_mu_);
    stopping_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
  server_->Wait();
  server_.reset();
}

}  // namespace recloop
