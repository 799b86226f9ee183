// Recloop's notion of time through its public API, on a real RocksDB store:
// an event's sent_at is kept as given, to the nanosecond, but the models
// never learn a time later than the server's clock at receipt plus
// max_clock_skew, live, after a restart and when a recommender is created.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "domain/recloop.h"
#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Pair;

// The server's clock when each test starts.
constexpr int64_t kNowSeconds = 1800000000;
// The last second a sent_at may name: 9999-12-31T23:59:59Z.
constexpr int64_t kLastSecond = 253402300799;

using Scored = std::vector<std::pair<std::string, double>>;

class RecloopTimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open());
    v1::CreateDatasetGroupRequest group;
    group.set_name("shop");
    ASSERT_TRUE(recloop_->CreateDatasetGroup(group).ok());
    v1::CreateEventTrackerRequest tracker;
    tracker.set_name("web");
    tracker.set_dataset_group("shop");
    auto created = recloop_->CreateEventTracker(tracker);
    ASSERT_TRUE(created.ok()) << created.status();
    tracking_id_ = created->tracking_id();
  }

  // Opens (or reopens) the store; it closes as a crash would, leaving the
  // journal to replay.
  void Open() {
    recloop_.reset();
    RecloopOptions options;
    options.store.path = dir_.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = false;
    options.checkpoint_interval = absl::Hours(1);  // Only explicit ones.
    options.clock = &clock_;
    options.max_clock_skew = absl::Hours(1);
    auto opened = Recloop::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    recloop_ = *std::move(opened);
  }

  void CreateRecommender(const std::string& name, const std::string& recipe,
                         const v1::RecommenderConfig& config = {}) {
    v1::CreateRecommenderRequest request;
    request.set_name(name);
    request.set_dataset_group("shop");
    request.set_recipe(recipe);
    *request.mutable_config() = config;
    auto created = recloop_->CreateRecommender(request);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE(BecomesActive(*recloop_, "shop", name));
  }

  static google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(seconds);
    ts.set_nanos(nanos);
    return ts;
  }

  // One click of `user` on `item`; the response of PutEvents.
  v1::PutEventsResponse Click(const std::string& user, const std::string& item,
                              const google::protobuf::Timestamp& sent_at,
                              const std::string& event_id = "") {
    v1::PutEventsRequest request;
    request.set_tracking_id(tracking_id_);
    request.set_user_id(user);
    request.set_session_id("s-" + user);
    v1::Event* event = request.add_event_list();
    event->set_event_id(event_id);
    event->set_event_type("click");
    event->set_item_id(item);
    *event->mutable_sent_at() = sent_at;
    auto response = recloop_->PutEvents(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : v1::PutEventsResponse();
  }

  Scored Recommend(const std::string& recommender, const std::string& user, int n) {
    v1::GetRecommendationsRequest request;
    request.set_dataset_group("shop");
    request.set_recommender(recommender);
    request.set_user_id(user);
    request.set_num_results(n);
    auto response = recloop_->GetRecommendations(request);
    EXPECT_TRUE(response.ok()) << response.status();
    Scored list;
    if (response.ok()) {
      for (const auto& item : response->item_list()) {
        list.emplace_back(item.item_id(), item.score());
      }
    }
    return list;
  }

  std::vector<std::string> Items(const Scored& list) {
    std::vector<std::string> items;
    for (const auto& [item, score] : list) items.push_back(item);
    return items;
  }

  // The sent_at of each of the user's stored events, oldest first.
  std::vector<std::pair<int64_t, int32_t>> SentAt(const std::string& user) {
    v1::GetUserHistoryRequest request;
    request.set_dataset_group("shop");
    request.set_user_id(user);
    auto response = recloop_->GetUserHistory(request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::pair<int64_t, int32_t>> sent;
    if (response.ok()) {
      for (const auto& e : response->events()) {
        sent.emplace_back(e.event().sent_at().seconds(), e.event().sent_at().nanos());
      }
    }
    return sent;
  }

  // 3,000 clicks sent over the two and a half hours before now by 300
  // users: "hit" gets a third of them and is every third user's first
  // item, 50 other items share the rest. Then "fresh", first clicked a
  // minute ago.
  void SendCurrentTraffic() {
    for (int k = 0; k < 3000; ++k) {
      const std::string item = k % 3 == 0 ? "hit" : absl::StrCat("i", k % 50);
      Click(absl::StrCat("u", k % 300), item, At(kNowSeconds - 3 * 3600 + k * 3));
    }
    Click("u7", "fresh", At(kNowSeconds - 60));
  }

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(kNowSeconds)};
  std::unique_ptr<Recloop> recloop_;
  std::string tracking_id_;
};

TEST_F(RecloopTimeTest, OneEventFromTheFarFutureDoesNotRuleTheLists) {
  ASSERT_NO_FATAL_FAILURE(CreateRecommender("trending", "trending-now"));
  v1::RecommenderConfig no_exploration;
  no_exploration.set_exploration_weight(0);
  ASSERT_NO_FATAL_FAILURE(
      CreateRecommender("cold", "user-personalization", no_exploration));
  // Every slot explores the items first seen in the last 2.4 hours.
  v1::RecommenderConfig explore;
  explore.set_exploration_weight(1);
  explore.set_exploration_item_age_cut_off_days(0.1);
  explore.set_exploration_seed(7);
  ASSERT_NO_FATAL_FAILURE(CreateRecommender("explore", "user-personalization", explore));
  SendCurrentTraffic();
  Click("time-traveller", "future", At(kLastSecond));

  EXPECT_EQ(Items(Recommend("trending", "", 3)).at(0), "hit");
  // A new user starts where most users started.
  EXPECT_EQ(Items(Recommend("cold", "new-user", 3)).at(0), "hit");
  // The model's "now" is not 9999: an item first seen a minute ago is new.
  EXPECT_THAT(Items(Recommend("explore", "new-user", 5)), Contains("fresh"));
  // The event itself is stored as sent.
  EXPECT_THAT(SentAt("time-traveller"), ElementsAre(Pair(kLastSecond, 0)));
}

TEST_F(RecloopTimeTest, AnEventAheadOfTheClockCountsAtItsOwnTimeUpToTheSkew) {
  // A 15-minute half-life: an event 30 minutes later counts 4 times as
  // much, one an hour later 16 times.
  v1::RecommenderConfig fast;
  fast.set_trending_half_life_hours(0.25);
  ASSERT_NO_FATAL_FAILURE(CreateRecommender("trending", "trending-now", fast));
  for (int u = 0; u < 20; ++u) Click(absl::StrCat("u", u), "steady", At(kNowSeconds));
  for (int u = 0; u < 3; ++u) Click(absl::StrCat("u", u), "early", At(kNowSeconds));
  Click("u0", "soon", At(kNowSeconds + 30 * 60));    // Within the hour of skew.
  Click("u1", "later", At(kNowSeconds + 3 * 3600));  // Counts as an hour ahead.

  const Scored trending = Recommend("trending", "", 4);
  ASSERT_THAT(Items(trending), ElementsAre("steady", "later", "soon", "early"));
  // steady 20, later 16, soon 4, early 3 events' worth at the present.
  EXPECT_NEAR(trending[1].second / trending[0].second, 16.0 / 20, 1e-12);
  EXPECT_NEAR(trending[2].second / trending[3].second, 4.0 / 3, 1e-12);
  EXPECT_THAT(SentAt("u1"), Contains(Pair(kNowSeconds + 3 * 3600, 0)));
}

TEST_F(RecloopTimeTest, SentAtKeepsItsNanosecondsAndDeduplicatesByThem) {
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 500), "e1").stored_count(), 1);
  // The same content one nanosecond later, with another id: another event.
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 501), "e2").stored_count(), 1);
  // Exact repeats of either under new ids are duplicates.
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 501), "e3").duplicate_count(), 1);
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 500), "e4").duplicate_count(), 1);
  // So are repeats of a microsecond-aligned event.
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 7000), "e5").stored_count(), 1);
  EXPECT_EQ(Click("u", "x", At(kNowSeconds, 7000), "e6").duplicate_count(), 1);
  EXPECT_THAT(SentAt("u"), ElementsAre(Pair(kNowSeconds, 500), Pair(kNowSeconds, 501),
                                       Pair(kNowSeconds, 7000)));
}

// The cap depends on what is stored with the event (its received_at), not
// on the clock when it is learned: a model rebuilt from the journal long
// after, or a recommender created then, learns the time the live model did.
TEST_F(RecloopTimeTest, TheCapIsTheSameAfterARestartAndForANewRecommender) {
  ASSERT_NO_FATAL_FAILURE(CreateRecommender("trending", "trending-now"));
  v1::RecommenderConfig no_exploration;
  no_exploration.set_exploration_weight(0);
  ASSERT_NO_FATAL_FAILURE(
      CreateRecommender("cold", "user-personalization", no_exploration));
  for (int u = 0; u < 5; ++u) Click(absl::StrCat("u", u), "hit", At(kNowSeconds - 60));
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  Click("time-traveller", "future", At(kNowSeconds + 30 * 86400));
  Click("u9", "other", At(kNowSeconds - 30));
  const Scored trending = Recommend("trending", "", 5);
  const Scored cold = Recommend("cold", "new-user", 5);
  ASSERT_EQ(Items(trending).at(0), "hit");

  // Restarted 60 days later, when the future event is in the past.
  clock_.Advance(absl::Hours(24 * 60));
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 2u);
  EXPECT_EQ(Recommend("trending", "", 5), trending);
  EXPECT_EQ(Recommend("cold", "new-user", 5), cold);
  ASSERT_NO_FATAL_FAILURE(CreateRecommender("trending-later", "trending-now"));
  EXPECT_EQ(Items(Recommend("trending-later", "", 5)), Items(trending));
}

}  // namespace
}  // namespace recloop
