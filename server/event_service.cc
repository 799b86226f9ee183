#include "server/event_service.h"

#include "server/grpc_status.h"

namespace recloop {

grpc::ServerUnaryReactor* EventService::PutEvents(grpc::CallbackServerContext* context,
                                                  const v1::PutEventsRequest* request,
                                                  v1::PutEventsResponse* response) {
  return ServeAdmitted(context, admission_, response,
                       [&] { return recloop_->PutEvents(*request); });
}

grpc::ServerUnaryReactor* EventService::GetUserHistory(
    grpc::CallbackServerContext* context, const v1::GetUserHistoryRequest* request,
    v1::GetUserHistoryResponse* response) {
  return ServeAdmitted(context, admission_, response,
                       [&] { return recloop_->GetUserHistory(*request); });
}

}  // namespace recloop
