// End-to-end tests of recommender creation over real gRPC: a recommender
// created on a group that holds many events learns them in the background,
// CREATE_IN_PROGRESS, while PutEvents goes on; it serves once it is ACTIVE.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "tests/e2e_fixture.h"
#include "tests/testing/poll.h"

namespace recloop {
namespace {

// Enough stored events that learning them takes several times the
// writer's deadline (about 1.5 s here against 0.5 s).
constexpr int kStoredUsers = 3000;
constexpr int kEventsPerUser = 20;
constexpr int kStored = kStoredUsers * kEventsPerUser;
constexpr int kOldItems = 100;
constexpr auto kWriteDeadline = std::chrono::milliseconds(500);
constexpr auto kWriteInterval = std::chrono::milliseconds(2);

TEST_F(E2eTest, PutEventsGoesOnWhileANewRecommenderLearnsTheStoredEvents) {
  const std::string tid = Setup("shop");
  // Stored in process, for speed: every user clicks kEventsPerUser old items.
  for (int u = 0; u < kStoredUsers; ++u) {
    for (int first = 0; first < kEventsPerUser; first += 10) {
      v1::PutEventsRequest r;
      r.set_tracking_id(tid);
      r.set_user_id(absl::StrCat("user-", u));
      r.set_session_id(absl::StrCat("s-", u));
      for (int j = first; j < first + 10; ++j) {
        *r.add_event_list() =
            Click(absl::StrCat("old-", (u + j) % kOldItems), 1700000000 + j);
      }
      ASSERT_TRUE(recloop_->PutEvents(r).ok());
    }
  }

  // A client writing all along, each call with a short deadline: clicks on
  // "live", one event per call.
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::atomic<int> failed{0};
  absl::Mutex failure_mu;
  std::string first_failure;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      // A steady client (at most 500 calls/s), not a flood: a writer that
      // stores events as fast as the server takes them keeps a build
      // catching up for minutes under the sanitizers.
      std::this_thread::sleep_for(kWriteInterval);
      v1::PutEventsRequest r;
      r.set_tracking_id(tid);
      r.set_user_id(absl::StrCat("writer-", i % 50));
      r.set_session_id(absl::StrCat("writer-session-", i % 50));
      *r.add_event_list() = Click("live", 1800000000 + i);
      grpc::ClientContext c;
      c.set_deadline(std::chrono::system_clock::now() + kWriteDeadline);
      v1::PutEventsResponse response;
      const grpc::Status s = events_->PutEvents(&c, r, &response);
      if (s.ok() && response.stored_count() == 1) {
        acked.fetch_add(1);
        continue;
      }
      failed.fetch_add(1);
      absl::MutexLock lock(&failure_mu);
      if (first_failure.empty()) {
        first_failure = absl::StrCat("call ", i, ": ", s.error_code(), " ",
                                     s.error_message(), " stored ", response.stored_count());
      }
    }
  });
  // Let the writer stop (and the test fail) rather than hang on a failure.
  struct Join {
    std::atomic<bool>* stop;
    std::thread* writer;
    ~Join() {
      stop->store(true);
      if (writer->joinable()) writer->join();
    }
  } join{&stop, &writer};
  ASSERT_TRUE(PollUntil([&] { return acked.load() >= 20; }, absl::Seconds(60)))
      << "the writer got " << acked.load() << " calls through";

  v1::CreateRecommenderRequest create;
  create.set_name("popular");
  create.set_dataset_group("shop");
  create.set_recipe("popularity-count");
  v1::Recommender created;
  {
    grpc::ClientContext c;
    const grpc::Status s = recs_->CreateRecommender(&c, create, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const int acked_at_create = acked.load();
  EXPECT_EQ(created.status(), "CREATE_IN_PROGRESS");
  {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group("shop");
    r.set_recommender("popular");
    grpc::ClientContext c;
    v1::GetRecommendationsResponse response;
    const grpc::Status s = recs_->GetRecommendations(&c, r, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(),
              "recommender: popular is CREATE_IN_PROGRESS; retry when it is ACTIVE");
  }
  {
    v1::GetPersonalizedRankingRequest r;
    r.set_dataset_group("shop");
    r.set_recommender("popular");
    r.set_user_id("user-1");
    r.add_input_list("old-1");
    grpc::ClientContext c;
    v1::GetPersonalizedRankingResponse response;
    EXPECT_EQ(recs_->GetPersonalizedRanking(&c, r, &response).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }

  v1::DescribeRecommenderRequest describe;
  describe.set_dataset_group("shop");
  describe.set_name("popular");
  std::string status;
  ASSERT_TRUE(PollUntil(
      [&] {
        grpc::ClientContext c;
        v1::Recommender described;
        const grpc::Status s = recs_->DescribeRecommender(&c, describe, &described);
        status = s.ok() ? described.status() : s.error_message();
        return status == "ACTIVE";
      },
      absl::Seconds(240)))
      << "popular is still " << status;
  const int acked_at_active = acked.load();
  EXPECT_GT(acked_at_active, acked_at_create) << "no PutEvents got through during the build";
  // Writes after it turned ACTIVE are learned as they arrive.
  ASSERT_TRUE(PollUntil([&] { return acked.load() >= acked_at_active + 20; },
                        absl::Seconds(60)));
  stop.store(true);
  writer.join();
  EXPECT_EQ(failed.load(), 0) << "first failure: " << first_failure;

  // Every stored event and every acknowledged click, each learned once:
  // popularity-count scores an item by its share of the events learned.
  v1::GetRecommendationsRequest r;
  r.set_dataset_group("shop");
  r.set_recommender("popular");
  r.set_num_results(500);
  grpc::ClientContext c;
  v1::GetRecommendationsResponse served;
  const grpc::Status s = recs_->GetRecommendations(&c, r, &served);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const double learned = kStored + acked.load();
  double live = -1, old = -1;
  for (const auto& item : served.item_list()) {
    if (item.item_id() == "live") live = item.score();
    if (item.item_id() == "old-7") old = item.score();
  }
  EXPECT_DOUBLE_EQ(live, acked.load() / learned);
  EXPECT_DOUBLE_EQ(old, (kStored / kOldItems) / learned);
}

}  // namespace
}  // namespace recloop
