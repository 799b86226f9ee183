#include "server/event_tracker_service.h"

#include "common/status_macros.h"

namespace recloop {

grpc::ServerUnaryReactor* EventTrackerService::CreateDatasetGroup(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::CreateDatasetGroupRequest, v1::DatasetGroup>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::CreateDatasetGroupRequest& r) {
        return recloop_->CreateDatasetGroup(r);
      });
}

grpc::ServerUnaryReactor* EventTrackerService::DescribeDatasetGroup(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::DescribeDatasetGroupRequest, v1::DatasetGroup>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::DescribeDatasetGroupRequest& r) {
        return recloop_->DescribeDatasetGroup(r);
      });
}

grpc::ServerUnaryReactor* EventTrackerService::ListDatasetGroups(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::ListDatasetGroupsRequest, v1::ListDatasetGroupsResponse>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::ListDatasetGroupsRequest& r) {
        return recloop_->ListDatasetGroups(r);
      });
}

grpc::ServerUnaryReactor* EventTrackerService::DeleteDatasetGroup(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::DeleteDatasetGroupRequest, v1::DeleteDatasetGroupResponse>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::DeleteDatasetGroupRequest& r)
          -> absl::StatusOr<v1::DeleteDatasetGroupResponse> {
        RETURN_IF_ERROR(recloop_->DeleteDatasetGroup(r));
        return v1::DeleteDatasetGroupResponse();
      });
}

grpc::ServerUnaryReactor* EventTrackerService::CreateEventTracker(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::CreateEventTrackerRequest, v1::EventTracker>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::CreateEventTrackerRequest& r) {
        return recloop_->CreateEventTracker(r);
      });
}

grpc::ServerUnaryReactor* EventTrackerService::DescribeEventTracker(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::DescribeEventTrackerRequest, v1::EventTracker>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::DescribeEventTrackerRequest& r) {
        return recloop_->DescribeEventTracker(r);
      });
}

grpc::ServerUnaryReactor* EventTrackerService::ListEventTrackers(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::ListEventTrackersRequest, v1::ListEventTrackersResponse>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::ListEventTrackersRequest& r) {
        return recloop_->ListEventTrackers(r);
      });
}

grpc::ServerUnaryReactor* EventTrackerService::DeleteEventTracker(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::DeleteEventTrackerRequest, v1::DeleteEventTrackerResponse>(
      runner_, /*data_plane=*/false, context, request, response,
      [this](const v1::DeleteEventTrackerRequest& r)
          -> absl::StatusOr<v1::DeleteEventTrackerResponse> {
        RETURN_IF_ERROR(recloop_->DeleteEventTracker(r));
        return v1::DeleteEventTrackerResponse();
      });
}

}  // namespace recloop
