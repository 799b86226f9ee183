#ifndef RECLOOP_SERVER_EVENT_SERVICE_H_
#define RECLOOP_SERVER_EVENT_SERVICE_H_

#include "domain/recloop.h"
#include "server/admission.h"
#include "recloop/v1/recloop.grpc.pb.h"

namespace recloop {

// PutEvents and GetUserHistory over gRPC.
class EventService final : public v1::EventService::CallbackService {
 public:
  // `admission` bounds the data-plane calls; both must outlive the service.
  EventService(Recloop* recloop, Admission* admission)
      : recloop_(recloop), admission_(admission) {}

  grpc::ServerUnaryReactor* PutEvents(grpc::CallbackServerContext* context,
                                      const v1::PutEventsRequest* request,
                                      v1::PutEventsResponse* response) override;
  grpc::ServerUnaryReactor* GetUserHistory(grpc::CallbackServerContext* context,
                                           const v1::GetUserHistoryRequest* request,
                                           v1::GetUserHistoryResponse* response) override;

 private:
  Recloop* const recloop_;
  Admission* const admission_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_EVENT_SERVICE_H_
