#include "client/client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/random/random.h"
#include "common/uuid.h"

namespace recloop::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and absl share the canonical code numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

namespace {

bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

}  // namespace

std::unique_ptr<Client> Client::Connect(absl::string_view address, ClientOptions options) {
  grpc::ChannelArguments args;
  // gRPC waits up to 120 s between reconnection attempts by default; a
  // restarted server should be found again within a retry's backoff.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return std::make_unique<Client>(
      grpc::CreateCustomChannel(std::string(address), grpc::InsecureChannelCredentials(),
                                args),
      options);
}

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : options_(options),
      channel_(std::move(channel)),
      trackers_(v1::EventTrackerService::NewStub(channel_)),
      events_(v1::EventService::NewStub(channel_)),
      recommendations_(v1::RecommendationService::NewStub(channel_)) {}

template <typename Response, typename Attempt>
absl::StatusOr<Response> Client::Call(Attempt attempt) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  const absl::Time deadline = absl::Now() + options_.timeout;
  absl::Duration backoff = options_.initial_backoff;
  absl::BitGen jitter;
  for (int n = 1;; ++n) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    Response response;
    grpc::Status status = attempt(&context, &response);
    if (status.ok()) return response;
    if (!Retryable(status) || n >= options_.max_attempts) return FromGrpcStatus(status);
    const absl::Duration wait = backoff * absl::Uniform(jitter, 0.8, 1.2);
    if (absl::Now() + wait >= deadline) return FromGrpcStatus(status);
    retries_.fetch_add(1, std::memory_order_relaxed);
    absl::SleepFor(wait);
    backoff = std::min(backoff * options_.backoff_multiplier, options_.max_backoff);
  }
}

// Each RPC binds its stub method into Call.
#define RECLOOP_CLIENT_RPC(Stub, Method, Request, Response)                    \
  absl::StatusOr<v1::Response> Client::Method(const v1::Request& request) {  \
    return Call<v1::Response>([&](grpc::ClientContext* c, v1::Response* r) { \
      return Stub->Method(c, request, r);                                    \
    });                                                                      \
  }

RECLOOP_CLIENT_RPC(trackers_, CreateDatasetGroup, CreateDatasetGroupRequest, DatasetGroup)
RECLOOP_CLIENT_RPC(trackers_, DescribeDatasetGroup, DescribeDatasetGroupRequest, DatasetGroup)
RECLOOP_CLIENT_RPC(trackers_, ListDatasetGroups, ListDatasetGroupsRequest,
                   ListDatasetGroupsResponse)
RECLOOP_CLIENT_RPC(trackers_, DeleteDatasetGroup, DeleteDatasetGroupRequest,
                   DeleteDatasetGroupResponse)
RECLOOP_CLIENT_RPC(trackers_, CreateEventTracker, CreateEventTrackerRequest, EventTracker)
RECLOOP_CLIENT_RPC(trackers_, DescribeEventTracker, DescribeEventTrackerRequest, EventTracker)
RECLOOP_CLIENT_RPC(trackers_, ListEventTrackers, ListEventTrackersRequest,
                   ListEventTrackersResponse)
RECLOOP_CLIENT_RPC(trackers_, DeleteEventTracker, DeleteEventTrackerRequest,
                   DeleteEventTrackerResponse)
RECLOOP_CLIENT_RPC(events_, GetUserHistory, GetUserHistoryRequest, GetUserHistoryResponse)
RECLOOP_CLIENT_RPC(recommendations_, GetRecommendations, GetRecommendationsRequest,
                   GetRecommendationsResponse)
RECLOOP_CLIENT_RPC(recommendations_, GetPersonalizedRanking, GetPersonalizedRankingRequest,
                   GetPersonalizedRankingResponse)
RECLOOP_CLIENT_RPC(recommendations_, CreateRecommender, CreateRecommenderRequest, Recommender)
RECLOOP_CLIENT_RPC(recommendations_, DescribeRecommender, DescribeRecommenderRequest,
                   Recommender)
RECLOOP_CLIENT_RPC(recommendations_, ListRecommenders, ListRecommendersRequest,
                   ListRecommendersResponse)
RECLOOP_CLIENT_RPC(recommendations_, DeleteRecommender, DeleteRecommenderRequest,
                   DeleteRecommenderResponse)

#undef RECLOOP_CLIENT_RPC

absl::StatusOr<v1::PutEventsResponse> Client::PutEvents(v1::PutEventsRequest request) {
  for (v1::Event& event : *request.mutable_event_list()) {
    if (event.event_id().empty()) event.set_event_id(NewUuid());
  }
  return Call<v1::PutEventsResponse>([&](grpc::ClientContext* c, v1::PutEventsResponse* r) {
    return events_->PutEvents(c, request, r);
  });
}

}  // namespace recloop::client
