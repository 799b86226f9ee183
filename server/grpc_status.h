// absl::Status <-> grpc::Status. The only place the two meet.
#ifndef RECLOOP_SERVER_GRPC_STATUS_H_
#define RECLOOP_SERVER_GRPC_STATUS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "server/admission.h"

namespace recloop {

// The canonical codes have the same numbers in both libraries.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// Finishes a unary callback with `result`, moved into `response` when OK.
template <typename Response>
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      absl::StatusOr<Response> result,
                                      Response* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (result.ok()) {
    *response = *std::move(result);
    reactor->Finish(grpc::Status::OK);
  } else {
    reactor->Finish(ToGrpcStatus(result.status()));
  }
  return reactor;
}

// For RPCs whose domain call returns a bare status and an empty response.
inline grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                             const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Runs a data-plane call if `admission` lets it in: `call()` returns the
// domain's StatusOr<Response>.
template <typename Response, typename Call>
grpc::ServerUnaryReactor* ServeAdmitted(grpc::CallbackServerContext* context,
                                        Admission* admission, Response* response,
                                        Call call) {
  auto ticket = admission->Admit(context);
  if (!ticket.ok()) return FinishUnary(context, ticket.status());
  return FinishUnary(context, call(), response);
}

}  // namespace recloop

#endif  // RECLOOP_SERVER_GRPC_STATUS_H_
