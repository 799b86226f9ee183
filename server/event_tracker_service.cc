#include "server/event_tracker_service.h"

#include "server/grpc_status.h"

namespace recloop {

grpc::ServerUnaryReactor* EventTrackerService::CreateDatasetGroup(
    grpc::CallbackServerContext* context, const v1::CreateDatasetGroupRequest* request,
    v1::DatasetGroup* response) {
  return FinishUnary(context, recloop_->CreateDatasetGroup(*request), response);
}

grpc::ServerUnaryReactor* EventTrackerService::DescribeDatasetGroup(
    grpc::CallbackServerContext* context, const v1::DescribeDatasetGroupRequest* request,
    v1::DatasetGroup* response) {
  return FinishUnary(context, recloop_->DescribeDatasetGroup(*request), response);
}

grpc::ServerUnaryReactor* EventTrackerService::ListDatasetGroups(
    grpc::CallbackServerContext* context, const v1::ListDatasetGroupsRequest* request,
    v1::ListDatasetGroupsResponse* response) {
  return FinishUnary(context, recloop_->ListDatasetGroups(*request), response);
}

grpc::ServerUnaryReactor* EventTrackerService::DeleteDatasetGroup(
    grpc::CallbackServerContext* context, const v1::DeleteDatasetGroupRequest* request,
    v1::DeleteDatasetGroupResponse* /*response*/) {
  return FinishUnary(context, recloop_->DeleteDatasetGroup(*request));
}

grpc::ServerUnaryReactor* EventTrackerService::CreateEventTracker(
    grpc::CallbackServerContext* context, const v1::CreateEventTrackerRequest* request,
    v1::EventTracker* response) {
  return FinishUnary(context, recloop_->CreateEventTracker(*request), response);
}

grpc::ServerUnaryReactor* EventTrackerService::DescribeEventTracker(
    grpc::CallbackServerContext* context, const v1::DescribeEventTrackerRequest* request,
    v1::EventTracker* response) {
  return FinishUnary(context, recloop_->DescribeEventTracker(*request), response);
}

grpc::ServerUnaryReactor* EventTrackerService::ListEventTrackers(
    grpc::CallbackServerContext* context, const v1::ListEventTrackersRequest* request,
    v1::ListEventTrackersResponse* response) {
  return FinishUnary(context, recloop_->ListEventTrackers(*request), response);
}

grpc::ServerUnaryReactor* EventTrackerService::DeleteEventTracker(
    grpc::CallbackServerContext* context, const v1::DeleteEventTrackerRequest* request,
    v1::DeleteEventTrackerResponse* /*response*/) {
  return FinishUnary(context, recloop_->DeleteEventTracker(*request));
}

}  // namespace recloop
