#ifndef RECLOOP_SERVER_EVENT_SERVICE_H_
#define RECLOOP_SERVER_EVENT_SERVICE_H_

#include "domain/recloop.h"
#include "grpcpp/grpcpp.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "server/call.h"

namespace recloop {

// PutEvents, GetUserHistory and item and user metadata over gRPC. Every method takes the raw request (see
// call.h).
using RawEventService = v1::EventService::WithRawCallbackMethod_PutEvents<
    v1::EventService::WithRawCallbackMethod_GetUserHistory<
        v1::EventService::WithRawCallbackMethod_PutItems<
            v1::EventService::WithRawCallbackMethod_PutUsers<
                v1::EventService::WithRawCallbackMethod_GetItem<
                    v1::EventService::WithRawCallbackMethod_GetUser<
                        v1::EventService::Service>>>>>>;

class EventService final : public RawEventService {
 public:
  // `recloop` and what `runner` points to must outlive the service.
  EventService(Recloop* recloop, const CallRunner& runner)
      : recloop_(recloop), runner_(runner) {}

  grpc::ServerUnaryReactor* PutEvents(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetUserHistory(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* PutItems(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* PutUsers(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetItem(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;

 private:
  Recloop* const recloop_;
  const CallRunner runner_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_EVENT_SERVICE_H_
