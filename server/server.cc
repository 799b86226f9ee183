#include "server/server.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace recloop {

absl::StatusOr<std::unique_ptr<RecloopServer>> RecloopServer::Start(
    Recloop* recloop, const ServerOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

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
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        " (address in use, or not a valid host:port?)"));
  }
  return server;
}

RecloopServer::~RecloopServer() { Shutdown(absl::ZeroDuration()); }

void RecloopServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(grace));
  server_->Wait();
  server_.reset();
}

}  // namespace recloop
