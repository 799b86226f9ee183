#ifndef RECLOOP_SERVER_EVENT_TRACKER_SERVICE_H_
#define RECLOOP_SERVER_EVENT_TRACKER_SERVICE_H_

#include "domain/recloop.h"
#include "grpcpp/grpcpp.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "server/call.h"

namespace recloop {

// Dataset groups and event trackers over gRPC (the control plane). Every method takes the
// raw request (see call.h).
using RawEventTrackerService =
    v1::EventTrackerService::WithRawCallbackMethod_CreateDatasetGroup<
        v1::EventTrackerService::WithRawCallbackMethod_DescribeDatasetGroup<
            v1::EventTrackerService::WithRawCallbackMethod_ListDatasetGroups<
                v1::EventTrackerService::WithRawCallbackMethod_DeleteDatasetGroup<
                    v1::EventTrackerService::WithRawCallbackMethod_CreateEventTracker<
                        v1::EventTrackerService::
                            WithRawCallbackMethod_DescribeEventTracker<
                                v1::EventTrackerService::
                                    WithRawCallbackMethod_ListEventTrackers<
                                        v1::EventTrackerService::
                                            WithRawCallbackMethod_DeleteEventTracker<
                                                v1::EventTrackerService::Service>>>>>>>>;

class EventTrackerService final : public RawEventTrackerService {
 public:
  // `recloop` and what `runner` points to must outlive the service.
  EventTrackerService(Recloop* recloop, const CallRunner& runner)
      : recloop_(recloop), runner_(runner) {}

  grpc::ServerUnaryReactor* CreateDatasetGroup(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DescribeDatasetGroup(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListDatasetGroups(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteDatasetGroup(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateEventTracker(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DescribeEventTracker(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListEventTrackers(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteEventTracker(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;

 private:
  Recloop* const recloop_;
  const CallRunner runner_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_EVENT_TRACKER_SERVICE_H_
