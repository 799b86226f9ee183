// How the services serve a unary call.
//
// On gRPC's callback thread a call is only admitted or refused and handed
// to the worker pool; the pool parses the request from its raw bytes, runs
// the domain call and writes the response. Parsing here rather than in
// gRPC means a request protobuf rejects (invalid UTF-8 in a string field,
// garbage bytes) gets INVALID_ARGUMENT saying so, where gRPC answers an
// empty UNIMPLEMENTED.
#ifndef RECLOOP_SERVER_CALL_H_
#define RECLOOP_SERVER_CALL_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "server/admission.h"
#include "server/grpc_status.h"
#include "server/worker_pool.h"

namespace recloop {

// What serving a call needs; outlives the services.
struct CallRunner {
  WorkerPool* pool;
  // Bounds the data plane; control-plane calls are not counted.
  Admission* admission;
};

// Parses `raw` into `message`: INVALID_ARGUMENT naming the message type and
// what protobuf found wrong when it does not parse.
absl::Status ParseRequest(const grpc::ByteBuffer& raw,
                          google::protobuf::Message* message);

// Routes libprotobuf's log lines: a parse error is kept for ParseRequest's
// message instead of printed, anything else is logged at most once a
// second. Call once before serving.
void InstallProtobufLogHandler();

// Serves one unary call with `handle(const Request&)`, which returns
// absl::StatusOr<Response>. `data_plane` calls pass admission first.
template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* Serve(const CallRunner& runner, bool data_plane,
                                grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* raw_request,
                                grpc::ByteBuffer* raw_response, Handler handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<Admission::Ticket> ticket;
  if (data_plane) {
    absl::StatusOr<Admission::Ticket> admitted =
        runner.admission->Admit(context, static_cast<int64_t>(raw_request->Length()));
    if (!admitted.ok()) {
      reactor->Finish(ToGrpcStatus(admitted.status()));
      return reactor;
    }
    ticket = std::make_shared<Admission::Ticket>(*std::move(admitted));
  }
  auto task = [context, reactor, raw_request, raw_response, handle, ticket]() mutable {
    const auto finish = [&](const grpc::Status& status) {
      ticket.reset();  // The place is free before the client hears back.
      reactor->Finish(status);
    };
    if (context->IsCancelled()) {
      return finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled"));
    }
    if (context->deadline() < std::chrono::system_clock::now()) {
      return finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                 "the call's deadline passed while it waited to run"));
    }
    Request request;
    if (absl::Status parsed = ParseRequest(*raw_request, &request); !parsed.ok()) {
      return finish(ToGrpcStatus(parsed));
    }
    absl::StatusOr<Response> result = handle(request);
    if (!result.ok()) return finish(ToGrpcStatus(result.status()));
    bool own_buffer;
    finish(grpc::SerializationTraits<Response>::Serialize(*result, raw_response,
                                                          &own_buffer));
  };
  if (!runner.pool->TrySubmit(std::move(task))) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "server overloaded: its work queue is full; retry with backoff"));
  }
  return reactor;
}

}  // namespace recloop

#endif  // RECLOOP_SERVER_CALL_H_
