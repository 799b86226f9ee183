#ifndef RECLOOP_SERVER_EVENT_TRACKER_SERVICE_H_
#define RECLOOP_SERVER_EVENT_TRACKER_SERVICE_H_

#include "domain/recloop.h"
#include "recloop/v1/recloop.grpc.pb.h"

namespace recloop {

// The control plane over gRPC: dataset groups and event trackers.
class EventTrackerService final : public v1::EventTrackerService::CallbackService {
 public:
  explicit EventTrackerService(Recloop* recloop) : recloop_(recloop) {}

  grpc::ServerUnaryReactor* CreateDatasetGroup(
      grpc::CallbackServerContext* context, const v1::CreateDatasetGroupRequest* request,
      v1::DatasetGroup* response) override;
  grpc::ServerUnaryReactor* DescribeDatasetGroup(
      grpc::CallbackServerContext* context,
      const v1::DescribeDatasetGroupRequest* request,
      v1::DatasetGroup* response) override;
  grpc::ServerUnaryReactor* ListDatasetGroups(
      grpc::CallbackServerContext* context, const v1::ListDatasetGroupsRequest* request,
      v1::ListDatasetGroupsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteDatasetGroup(
      grpc::CallbackServerContext* context, const v1::DeleteDatasetGroupRequest* request,
      v1::DeleteDatasetGroupResponse* response) override;
  grpc::ServerUnaryReactor* CreateEventTracker(
      grpc::CallbackServerContext* context, const v1::CreateEventTrackerRequest* request,
      v1::EventTracker* response) override;
  grpc::ServerUnaryReactor* DescribeEventTracker(
      grpc::CallbackServerContext* context,
      const v1::DescribeEventTrackerRequest* request,
      v1::EventTracker* response) override;
  grpc::ServerUnaryReactor* ListEventTrackers(
      grpc::CallbackServerContext* context, const v1::ListEventTrackersRequest* request,
      v1::ListEventTrackersResponse* response) override;
  grpc::ServerUnaryReactor* DeleteEventTracker(
      grpc::CallbackServerContext* context, const v1::DeleteEventTrackerRequest* request,
      v1::DeleteEventTrackerResponse* response) override;

 private:
  Recloop* const recloop_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_EVENT_TRACKER_SERVICE_H_
