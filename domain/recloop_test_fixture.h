// The RecloopTest fixture: one Recloop on a real small-footprint RocksDB
// store in a temporary directory, with helpers to create a group, send
// clicks and read recommendations and histories. Shared by the
// domain/recloop_*_test.cc files.
#ifndef RECLOOP_DOMAIN_RECLOOP_TEST_FIXTURE_H_
#define RECLOOP_DOMAIN_RECLOOP_TEST_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "domain/recloop.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.pb.h"
#include "tests/testing/poll.h"
#include "tests/testing/temp_dir.h"

namespace recloop {

// Describes the recommender until it is ACTIVE (a created one learns its
// group's stored events first); fails, naming the status it stayed in,
// if it is not within `timeout`.
inline ::testing::AssertionResult BecomesActive(Recloop& recloop, const std::string& group,
                                                const std::string& name,
                                                absl::Duration timeout = absl::Seconds(60)) {
  v1::DescribeRecommenderRequest describe;
  describe.set_dataset_group(group);
  describe.set_name(name);
  std::string status;
  const bool active = PollUntil(
      [&] {
        auto described = recloop.DescribeRecommender(describe);
        status = described.ok() ? described->status() : described.status().ToString();
        return status == "ACTIVE";
      },
      timeout);
  if (active) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "recommender " << name << " is still " << status << " after " << timeout;
}

class RecloopTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // Instances close as a crash would (no final checkpoint) unless asked.
  void Open(bool checkpoint_on_close = false) {
    recloop_.reset();
    RecloopOptions options;
    options.store.path = dir_.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = checkpoint_on_close;
    options.checkpoint_interval = absl::Hours(1);  // Only explicit ones.
    auto opened = Recloop::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    recloop_ = *std::move(opened);
  }

  void Crash() {
    recloop_.reset();
    Open();
  }

  std::string CreateGroupAndTracker(const std::string& group, const std::string& schema = "") {
    v1::CreateDatasetGroupRequest g;
    g.set_name(group);
    g.set_schema(schema);
    EXPECT_TRUE(recloop_->CreateDatasetGroup(g).ok());
    v1::CreateEventTrackerRequest t;
    t.set_name(group + "-tracker");
    t.set_dataset_group(group);
    auto tracker = recloop_->CreateEventTracker(t);
    EXPECT_TRUE(tracker.ok()) << tracker.status();
    return tracker.ok() ? tracker->tracking_id() : "";
  }

  absl::StatusOr<v1::PutEventsResponse> Put(const std::string& tracking_id,
                                            const std::string& user,
                                            const std::string& session,
                                            const std::vector<std::string>& items) {
    v1::PutEventsRequest r;
    r.set_tracking_id(tracking_id);
    r.set_user_id(user);
    r.set_session_id(session);
    for (const std::string& item : items) {
      v1::Event* e = r.add_event_list();
      e->set_event_type("click");
      e->set_item_id(item);
      e->mutable_sent_at()->set_seconds(1700000000 + (++clock_seconds_));
    }
    return recloop_->PutEvents(r);
  }

  // Creates the recommender and waits until it is ACTIVE.
  void CreateActiveRecommender(const std::string& group, const std::string& name,
                               const std::string& recipe = "",
                               const v1::RecommenderConfig& config = {}) {
    v1::CreateRecommenderRequest create;
    create.set_name(name);
    create.set_dataset_group(group);
    create.set_recipe(recipe);
    *create.mutable_config() = config;
    auto created = recloop_->CreateRecommender(create);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE(BecomesActive(*recloop_, group, name));
  }

  std::vector<std::string> Recommend(const std::string& group, const std::string& user,
                                     const std::string& item = "", int n = 5) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group(group);
    r.set_user_id(user);
    r.set_item_id(item);
    r.set_num_results(n);
    auto response = recloop_->GetRecommendations(r);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> items;
    if (response.ok()) {
      for (const auto& i : response->item_list()) items.push_back(i.item_id());
    }
    return items;
  }

  std::vector<std::string> History(const std::string& group, const std::string& user) {
    v1::GetUserHistoryRequest r;
    r.set_dataset_group(group);
    r.set_user_id(user);
    auto response = recloop_->GetUserHistory(r);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> items;
    if (response.ok()) {
      for (const auto& e : response->events()) items.push_back(e.event().item_id());
    }
    return items;
  }

  // Three users who all went from A to B, and one who went from A to C.
  void SeedCoOccurrence(const std::string& tid) {
    for (const char* u : {"u1", "u2", "u3"}) ASSERT_TRUE(Put(tid, u, "s", {"A", "B"}).ok());
    ASSERT_TRUE(Put(tid, "u4", "s", {"A", "C"}).ok());
    ASSERT_TRUE(Put(tid, "u5", "s", {"D"}).ok());
  }

  TempDir dir_;
  std::unique_ptr<Recloop> recloop_;
  int64_t clock_seconds_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECLOOP_TEST_FIXTURE_H_
