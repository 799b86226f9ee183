// recloop::client::Client: the C++ client library over the generated stubs.
//
// One object per server, shared by all threads. Every call has a deadline
// and is retried with exponential backoff and jitter when the server answers
// UNAVAILABLE (restarting, unreachable) or RESOURCE_EXHAUSTED (overloaded),
// as long as the deadline allows. Other errors come back at once, as an
// absl::Status carrying the gRPC code and the server's message.
//
//   auto client = recloop::client::Client::Connect("127.0.0.1:50051");
//   v1::GetRecommendationsRequest request;
//   request.set_dataset_group("shop");
//   request.set_user_id("u1");
//   absl::StatusOr<v1::GetRecommendationsResponse> list =
//       client->GetRecommendations(request);
//
// PutEvents gives every event without an event_id a generated one before the
// first attempt, so a retried call is stored once (the server deduplicates
// by event_id). Other calls are not idempotent in that way: a Create* whose
// first attempt was applied but not answered comes back ALREADY_EXISTS.
#ifndef RECLOOP_CLIENT_CLIENT_H_
#define RECLOOP_CLIENT_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "recloop/v1/recloop.grpc.pb.h"

namespace recloop::client {

struct ClientOptions {
  // Deadline of one call, all its attempts and backoffs included.
  absl::Duration timeout = absl::Seconds(10);
  // Attempts per call when the answer is UNAVAILABLE or RESOURCE_EXHAUSTED;
  // 1 disables retries.
  int max_attempts = 5;
  // Wait before the second attempt; each further wait is multiplied by
  // backoff_multiplier up to max_backoff, and randomized by +-20% so that
  // clients turned away together do not return together.
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  double backoff_multiplier = 2.0;
};

struct ClientStats {
  int64_t calls = 0;    // calls made through this client
  int64_t retries = 0;  // attempts after the first
};

// Thread-safe.
class Client {
 public:
  // An insecure channel to `address` (host:port). It connects lazily and
  // reconnects quickly after the server restarts.
  static std::unique_ptr<Client> Connect(absl::string_view address,
                                         ClientOptions options = {});
  explicit Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options = {});

  const ClientOptions& options() const { return options_; }
  ClientStats stats() const { return {calls_.load(), retries_.load()}; }

  // Control plane.
  absl::StatusOr<v1::DatasetGroup> CreateDatasetGroup(
      const v1::CreateDatasetGroupRequest& request);
  absl::StatusOr<v1::DatasetGroup> DescribeDatasetGroup(
      const v1::DescribeDatasetGroupRequest& request);
  absl::StatusOr<v1::ListDatasetGroupsResponse> ListDatasetGroups(
      const v1::ListDatasetGroupsRequest& request);
  absl::StatusOr<v1::DeleteDatasetGroupResponse> DeleteDatasetGroup(
      const v1::DeleteDatasetGroupRequest& request);
  absl::StatusOr<v1::EventTracker> CreateEventTracker(
      const v1::CreateEventTrackerRequest& request);
  absl::StatusOr<v1::EventTracker> DescribeEventTracker(
      const v1::DescribeEventTrackerRequest& request);
  absl::StatusOr<v1::ListEventTrackersResponse> ListEventTrackers(
      const v1::ListEventTrackersRequest& request);
  absl::StatusOr<v1::DeleteEventTrackerResponse> DeleteEventTracker(
      const v1::DeleteEventTrackerRequest& request);

  // Events. PutEvents fills missing event_ids (see above).
  absl::StatusOr<v1::PutEventsResponse> PutEvents(v1::PutEventsRequest request);
  absl::StatusOr<v1::GetUserHistoryResponse> GetUserHistory(
      const v1::GetUserHistoryRequest& request);

  // Recommendations and recommenders.
  absl::StatusOr<v1::GetRecommendationsResponse> GetRecommendations(
      const v1::GetRecommendationsRequest& request);
  absl::StatusOr<v1::GetPersonalizedRankingResponse> GetPersonalizedRanking(
      const v1::GetPersonalizedRankingRequest& request);
  absl::StatusOr<v1::Recommender> CreateRecommender(
      const v1::CreateRecommenderRequest& request);
  absl::StatusOr<v1::Recommender> DescribeRecommender(
      const v1::DescribeRecommenderRequest& request);
  absl::StatusOr<v1::ListRecommendersResponse> ListRecommenders(
      const v1::ListRecommendersRequest& request);
  absl::StatusOr<v1::DeleteRecommenderResponse> DeleteRecommender(
      const v1::DeleteRecommenderRequest& request);

 private:
  // Runs `attempt(context, response)` under the retry policy.
  template <typename Response, typename Attempt>
  absl::StatusOr<Response> Call(Attempt attempt);

  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventTrackerService::Stub> trackers_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::RecommendationService::Stub> recommendations_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> retries_{0};
};

// The absl::Status for a gRPC status: same code, same message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace recloop::client

#endif  // RECLOOP_CLIENT_CLIENT_H_
