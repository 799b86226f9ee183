#include "server/event_service.h"

#include "common/status_macros.h"

namespace recloop {

grpc::ServerUnaryReactor* EventService::PutEvents(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return Serve<v1::PutEventsRequest, v1::PutEventsResponse>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::PutEventsRequest& r) { return recloop_->PutEvents(r); });
}

grpc::ServerUnaryReactor* EventService::GetUserHistory(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::GetUserHistoryRequest, v1::GetUserHistoryResponse>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::GetUserHistoryRequest& r) { return recloop_->GetUserHistory(r); });
}

}  // namespace recloop
