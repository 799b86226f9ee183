// Recloop's recommendations through its public API, on a real RocksDB store:
// what a user is served right after an event, related items, ranking, named
// recommenders, and the learning-window cache changing nothing of it.
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/recloop.h"
#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;

TEST_F(RecloopTest, TheNextRecommendationReflectsTheEventJustSent) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  // A cold user gets what users start with.
  EXPECT_EQ(Recommend("shop", "new-user", "", 1), std::vector<std::string>{"A"});
  ASSERT_TRUE(Put(tid, "new-user", "s9", {"A"}).ok());
  // Immediately after: personalized from A, and A itself is excluded.
  std::vector<std::string> recs = Recommend("shop", "new-user");
  ASSERT_GE(recs.size(), 2u);
  EXPECT_EQ(recs[0], "B");
  EXPECT_EQ(recs[1], "C");
  EXPECT_THAT(recs, ::testing::Not(::testing::Contains("A")));
}

TEST_F(RecloopTest, NewItemsAreRecommendedAsSoonAsTheyCoOccur) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "early", "s", {"D", "brand-new"}).ok());
  ASSERT_TRUE(Put(tid, "late", "s", {"D"}).ok());
  EXPECT_EQ(Recommend("shop", "late", "", 1), std::vector<std::string>{"brand-new"});
}

TEST_F(RecloopTest, ItemWithoutUserGivesRelatedItems) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  std::vector<std::string> related = Recommend("shop", "", "A", 2);
  EXPECT_THAT(related, ElementsAre("B", "C"));
  // Without a user or an item: what users start with (A first for four of
  // them, D for one), then the most popular.
  EXPECT_THAT(Recommend("shop", "", "", 3), ElementsAre("A", "D", "B"));
}

TEST_F(RecloopTest, RankingReturnsExactlyTheInputReordered) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "ranker", "s", {"A"}).ok());
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group("shop");
  r.set_user_id("ranker");
  for (const char* item : {"unknown-1", "D", "C", "B", "unknown-2"}) r.add_input_list(item);
  auto ranked = recloop_->GetPersonalizedRanking(r);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  std::vector<std::string> order;
  for (const auto& i : ranked->personalized_ranking()) order.push_back(i.item_id());
  EXPECT_THAT(order, ElementsAre("B", "C", "D", "unknown-1", "unknown-2"));
  EXPECT_EQ(ranked->recommendation_id().rfind("RID-", 0), 0u);
}

TEST_F(RecloopTest, RecommendersLearnStoredEventsAndSurviveACrash) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  v1::CreateRecommenderRequest create;
  create.set_name("popular");
  create.set_dataset_group("shop");
  create.set_recipe("popularity-count");
  auto created = recloop_->CreateRecommender(create);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status(), "CREATE_IN_PROGRESS");
  ASSERT_TRUE(BecomesActive(*recloop_, "shop", "popular"));
  // It learned the events stored before it existed...
  v1::GetRecommendationsRequest r;
  r.set_dataset_group("shop");
  r.set_recommender("popular");
  r.set_num_results(1);
  EXPECT_EQ(recloop_->GetRecommendations(r)->item_list(0).item_id(), "A");
  // ...and learns new ones at once.
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(Put(tid, "fan" + std::to_string(i), "s", {"D"}).ok());
  }
  EXPECT_EQ(recloop_->GetRecommendations(r)->item_list(0).item_id(), "D");
  // After a crash: the training (persisted at creation) plus the journal,
  // each counted once.
  Crash();
  EXPECT_EQ(recloop_->GetRecommendations(r)->item_list(0).item_id(), "D");
  r.set_num_results(5);
  auto after = *recloop_->GetRecommendations(r);
  ASSERT_GE(after.item_list_size(), 2);
  // D: 7 of 15 events, A: 4 of 15, if nothing was double counted.
  EXPECT_NEAR(after.item_list(0).score(), 7.0 / 15, 1e-9);
  EXPECT_NEAR(after.item_list(1).score(), 4.0 / 15, 1e-9);

  v1::DeleteRecommenderRequest del;
  del.set_dataset_group("shop");
  del.set_name("popular");
  ASSERT_TRUE(recloop_->DeleteRecommender(del).ok());
  EXPECT_EQ(recloop_->GetRecommendations(r).status().code(), absl::StatusCode::kNotFound);
  del.set_name("default");
  EXPECT_EQ(recloop_->DeleteRecommender(del).code(), absl::StatusCode::kFailedPrecondition);
  Crash();
  EXPECT_EQ(recloop_->GetRecommendations(r).status().code(), absl::StatusCode::kNotFound);
}

// Feeds the same stream to instances whose learning windows come from the
// in-memory cache (large, tiny) or always from the store, and expects the
// same models: the cache changes the cost of learning, never what is
// learned. The stream has what could fool it: events sent out of order
// within and across calls, item-less events, anonymous sessions linked to
// users later, and more identities than the tiny cache holds.
TEST(LearningWindowCacheTest, LearnsAndServesExactlyWhatTheStoreReadsWould) {
  struct Instance {
    TempDir dir;
    std::unique_ptr<Recloop> recloop;
    std::string tracking_id;
  };
  std::vector<std::unique_ptr<Instance>> instances;
  for (size_t capacity : {size_t{0}, size_t{3}, size_t{16384}}) {
    auto instance = std::make_unique<Instance>();
    RecloopOptions options;
    options.store.path = instance->dir.path();
    options.store.small_footprint = true;
    options.checkpoint_on_close = false;
    options.learning_window_cache = capacity;
    auto opened = Recloop::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    instance->recloop = *std::move(opened);
    v1::CreateDatasetGroupRequest g;
    g.set_name("shop");
    ASSERT_TRUE(instance->recloop->CreateDatasetGroup(g).ok());
    v1::CreateEventTrackerRequest t;
    t.set_name("web");
    t.set_dataset_group("shop");
    auto tracker = instance->recloop->CreateEventTracker(t);
    ASSERT_TRUE(tracker.ok());
    instance->tracking_id = tracker->tracking_id();
    instances.push_back(std::move(instance));
  }

  std::mt19937 random(7);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
  int event_number = 0;
  for (int call = 0; call < 1500; ++call) {
    v1::PutEventsRequest request;
    const int kind = uniform(0, 9);
    if (kind < 6) {  // a user on their own session
      const int user = uniform(0, 24);
      request.set_user_id(absl::StrCat("u", user));
      request.set_session_id(absl::StrCat("us", user));
    } else if (kind < 9) {  // an anonymous session
      request.set_session_id(absl::StrCat("anon", uniform(0, 9)));
    } else {  // a login: an anonymous session linked to a user
      request.set_user_id(absl::StrCat("u", uniform(0, 24)));
      request.set_session_id(absl::StrCat("anon", uniform(0, 9)));
    }
    const int events = uniform(1, 10);
    for (int e = 0; e < events; ++e) {
      v1::Event* event = request.add_event_list();
      event->set_event_id(absl::StrCat("e", ++event_number));
      event->set_event_type(uniform(0, 3) == 0 ? "purchase" : "click");
      // Mostly in order, sometimes well before the latest.
      event->mutable_sent_at()->set_seconds(1700000000 + event_number * 10 -
                                            (uniform(0, 7) == 0 ? uniform(1, 400) : 0));
      if (uniform(0, 11) == 0) {
        event->add_impression(absl::StrCat("i", uniform(0, 399)));  // no item
      } else {
        event->set_item_id(absl::StrCat("i", uniform(0, 399)));
      }
    }
    for (auto& instance : instances) {
      request.set_tracking_id(instance->tracking_id);
      ASSERT_TRUE(instance->recloop->PutEvents(request).ok());
    }
  }

  // Users with short histories, which the cache holds whole.
  for (int call = 0; call < 30; ++call) {
    v1::PutEventsRequest request;
    request.set_user_id(absl::StrCat("rare", call % 10));
    request.set_session_id(absl::StrCat("rare-session", call % 10));
    for (int e = uniform(1, 3); e > 0; --e) {
      v1::Event* event = request.add_event_list();
      event->set_event_id(absl::StrCat("e", ++event_number));
      event->set_event_type("click");
      event->mutable_sent_at()->set_seconds(1700000000 + event_number * 10);
      event->set_item_id(absl::StrCat("i", uniform(0, 399)));
    }
    for (auto& instance : instances) {
      request.set_tracking_id(instance->tracking_id);
      ASSERT_TRUE(instance->recloop->PutEvents(request).ok());
    }
  }

  auto recommendations = [](Recloop& recloop, const std::string& user, const std::string& item) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group("shop");
    r.set_user_id(user);
    r.set_item_id(item);
    r.set_num_results(20);
    auto response = recloop.GetRecommendations(r);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> list;
    for (const auto& p : response->item_list()) {
      list.push_back(absl::StrCat(p.item_id(), "=", p.score()));
    }
    return list;
  };
  auto ranking = [](Recloop& recloop, const std::string& user) {
    v1::GetPersonalizedRankingRequest r;
    r.set_dataset_group("shop");
    r.set_user_id(user);
    for (int i = 0; i < 400; i += 3) r.add_input_list(absl::StrCat("i", i));
    auto response = recloop.GetPersonalizedRanking(r);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> list;
    for (const auto& p : response->personalized_ranking()) {
      list.push_back(absl::StrCat(p.item_id(), "=", p.score()));
    }
    return list;
  };
  for (int u = 0; u < 25; ++u) {
    const std::string user = absl::StrCat("u", u);
    const auto expected = ranking(*instances[0]->recloop, user);
    for (size_t k = 1; k < instances.size(); ++k) {
      EXPECT_EQ(ranking(*instances[k]->recloop, user), expected) << user << " instance " << k;
    }
  }
  std::vector<std::pair<std::string, std::string>> queries;
  for (int u = 0; u < 25; ++u) queries.emplace_back(absl::StrCat("u", u), "");
  for (int s = 0; s < 10; ++s) queries.emplace_back(absl::StrCat("anon", s), "");
  for (int r = 0; r < 10; ++r) queries.emplace_back(absl::StrCat("rare", r), "");
  for (int i = 0; i < 400; i += 37) queries.emplace_back("", absl::StrCat("i", i));
  for (const auto& [user, item] : queries) {
    const auto expected = recommendations(*instances[0]->recloop, user, item);
    EXPECT_FALSE(expected.empty());
    for (size_t k = 1; k < instances.size(); ++k) {
      EXPECT_EQ(recommendations(*instances[k]->recloop, user, item), expected)
          << "user " << user << " item " << item << " instance " << k;
    }
  }
}

}  // namespace
}  // namespace recloop
