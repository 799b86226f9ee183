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

grpc::ServerUnaryReactor* EventService::PutItems(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  return Serve<v1::PutItemsRequest, v1::PutItemsResponse>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::PutItemsRequest& r) { return recloop_->PutItems(r); });
}

grpc::ServerUnaryReactor* EventService::PutUsers(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  return Serve<v1::PutUsersRequest, v1::PutUsersResponse>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::PutUsersRequest& r) { return recloop_->PutUsers(r); });
}

grpc::ServerUnaryReactor* EventService::GetItem(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) {
  return Serve<v1::GetItemRequest, v1::Item>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::GetItemRequest& r) { return recloop_->GetItem(r); });
}

grpc::ServerUnaryReactor* EventService::GetUser(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) {
  return Serve<v1::GetUserRequest, v1::User>(
      runner_, /*data_plane=*/true, context, request, response,
      [this](const v1::GetUserRequest& r) { return recloop_->GetUser(r); });
}

}  // namespace recloop
