#include "server/event_service.h"

#include "server/grpc_status.h"

namespace recloop {

grpc::ServerUnaryReactor* EventService::PutEvents(grpc::CallbackServerContext* context,
                                                  const v1::PutEventsRequest* request,
                                                  v1::PutEventsResponse* response) {
  return FinishUnary(context, recloop_->PutEvents(*request), response);
}

grpc::ServerUnaryReactor* EventService::GetUserHistory(
    grpc::CallbackServerContext* context, const v1::GetUserHistoryRequest* request,
    v1::GetUserHistoryResponse* response) {
  return FinishUnary(context, recloop_->GetUserHistory(*request), response);
}

}  // namespace recloop
