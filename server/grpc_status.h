// absl::Status <-> grpc::Status. The only place the two meet.
#ifndef RECLOOP_SERVER_GRPC_STATUS_H_
#define RECLOOP_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace recloop {

// The canonical codes have the same numbers in both libraries.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace recloop

#endif  // RECLOOP_SERVER_GRPC_STATUS_H_
