#include "tests/testing/in_process_server.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace recloop {

absl::Status InProcessServer::Start() {
  RecloopOptions options;
  options.store.path = dir_.path();
  options.store.small_footprint = true;
  auto recloop = Recloop::Open(options);
  if (!recloop.ok()) return recloop.status();
  recloop_ = *std::move(recloop);
  ServerOptions server_options;
  server_options.listen = absl::StrCat("127.0.0.1:", port_);
  auto server = RecloopServer::Start(recloop_.get(), server_options);
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  port_ = server_->port();
  return absl::OkStatus();
}

void InProcessServer::Stop() {
  if (server_) server_->Shutdown(absl::Seconds(1));
  server_.reset();
  recloop_.reset();
}

std::string InProcessServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

}  // namespace recloop
