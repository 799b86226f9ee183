#include "domain/recloop.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

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

TEST_F(RecloopTest, ABadEventRejectsTheWholeBatch) {
  const std::string tid = CreateGroupAndTracker(
      "shop",
      R"({"type":"record","name":"Interactions","fields":[)"
      R"({"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
      R"({"name":"TIMESTAMP","type":"long"},{"name":"NUM_RATINGS","type":"int"}]})");
  v1::PutEventsRequest r;
  r.set_tracking_id(tid);
  r.set_user_id("u");
  r.set_session_id("s");
  for (int i = 0; i < 3; ++i) {
    v1::Event* e = r.add_event_list();
    e->set_event_type("rating");
    e->set_item_id("item" + std::to_string(i));
    e->mutable_sent_at()->set_seconds(1700000000 + i);
    e->set_properties(i == 2 ? R"({"numRatings":"many"})" : R"({"numRatings":3})");
  }
  auto response = recloop_->PutEvents(r);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("event_list[2].properties.numRatings"));
  EXPECT_THAT(History("shop", "u"), ElementsAre());

  r.mutable_event_list(2)->set_properties(R"({"numRatings":4})");
  ASSERT_TRUE(recloop_->PutEvents(r).ok());
  EXPECT_THAT(History("shop", "u"), ElementsAre("item0", "item1", "item2"));
}

TEST_F(RecloopTest, PropertiesMayCarryTheItemId) {
  const std::string tid = CreateGroupAndTracker("shop");
  v1::PutEventsRequest r;
  r.set_tracking_id(tid);
  r.set_session_id("s");
  r.set_user_id("u");
  v1::Event* e = r.add_event_list();
  e->set_event_type("click");
  e->set_properties(R"({"itemId":"from-properties"})");
  e->mutable_sent_at()->set_seconds(1700000000);
  auto response = recloop_->PutEvents(r);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->results(0).event_id().size(), 36u) << "a generated event id";
  EXPECT_THAT(History("shop", "u"), ElementsAre("from-properties"));
  e->set_item_id("different");
  EXPECT_EQ(recloop_->PutEvents(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RecloopTest, UnknownResourcesAreNotFound) {
  CreateGroupAndTracker("shop");
  auto put = Put("no-such-tracking-id", "u", "s", {"A"});
  EXPECT_EQ(put.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(put.status().message()), HasSubstr("tracking_id"));
  v1::GetRecommendationsRequest r;
  r.set_dataset_group("nope");
  EXPECT_EQ(recloop_->GetRecommendations(r).status().code(), absl::StatusCode::kNotFound);
  r.set_dataset_group("shop");
  r.set_recommender("no-such-recommender");
  EXPECT_EQ(recloop_->GetRecommendations(r).status().code(), absl::StatusCode::kNotFound);
  r.set_recommender("default");
  EXPECT_TRUE(recloop_->GetRecommendations(r).ok());
  v1::GetUserHistoryRequest h;
  h.set_dataset_group("nope");
  h.set_user_id("u");
  EXPECT_EQ(recloop_->GetUserHistory(h).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RecloopTest, ACrashLosesNothingAndTheJournalRebuildsTheModel) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "z", "s", {"A"}).ok());
  Crash();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 10u);
  EXPECT_THAT(History("shop", "z"), ElementsAre("A"));
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  // The tracking id still works.
  ASSERT_TRUE(Put(tid, "y", "s", {"C"}).ok());
}

TEST_F(RecloopTest, StartUpAfterACheckpointReplaysOnlyWhatCameLater) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Put(tid, "z", "s", {"A"}).ok());
  Crash();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 1u);
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  // A clean close checkpoints everything: nothing to replay.
  Open(/*checkpoint_on_close=*/true);
  ASSERT_TRUE(Put(tid, "z", "s", {"D"}).ok());
  recloop_.reset();
  Open();
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 0u);
  EXPECT_EQ(Recommend("shop", "z", "", 2), (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(Recommend("shop", "", "", 1), (std::vector<std::string>{"A"}));
}

TEST_F(RecloopTest, ConcurrentLoginsLinkASessionToOneUser) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_TRUE(Put(tid, "", "shared", {"anon-item"}).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      v1::PutEventsRequest r;
      r.set_tracking_id(tid);
      r.set_user_id("user" + std::to_string(t));
      r.set_session_id("shared");
      v1::Event* e = r.add_event_list();
      e->set_event_type("click");
      e->set_item_id("item" + std::to_string(t));
      e->mutable_sent_at()->set_seconds(1800000000 + t);
      EXPECT_TRUE(recloop_->PutEvents(r).ok());
    });
  }
  for (auto& t : threads) t.join();
  int owners = 0;
  for (int t = 0; t < 8; ++t) {
    std::vector<std::string> h = History("shop", "user" + std::to_string(t));
    if (std::find(h.begin(), h.end(), "anon-item") != h.end()) ++owners;
  }
  EXPECT_EQ(owners, 1);
}

TEST_F(RecloopTest, AFailedOpenLeavesTheStoreUntouched) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_TRUE(Put(tid, "u", "s", {"A"}).ok());
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Put(tid, "u", "s", {"B"}).ok());
  recloop_.reset();
  std::string checkpoint_before;
  {
    StoreOptions options;
    options.path = dir_.path();
    auto store = *Store::Open(options);
    checkpoint_before = *store->Get(Cf::kMeta, meta_key::Checkpoint());
    WriteBatch damage(*store);
    damage.Put(Cf::kJournal, JournalKey(1000), "not a journal entry");
    ASSERT_TRUE(store->Write(&damage).ok());
  }
  RecloopOptions options;
  options.store.path = dir_.path();
  options.checkpoint_on_close = true;
  auto failed = Recloop::Open(options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("journal entry 1000"));
  StoreOptions store_options;
  store_options.path = dir_.path();
  auto store = *Store::Open(store_options);
  EXPECT_EQ(*store->Get(Cf::kMeta, meta_key::Checkpoint()), checkpoint_before);
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
  EXPECT_EQ(created->status(), "ACTIVE");
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

TEST_F(RecloopTest, EachRecommenderAttributesItsOwnLists) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  for (const char* name : {"variant-a", "variant-b"}) {
    v1::CreateRecommenderRequest create;
    create.set_name(name);
    create.set_dataset_group("shop");
    ASSERT_TRUE(recloop_->CreateRecommender(create).ok());
  }
  // An A/B test: each user is served by one variant and clicks its list.
  std::map<std::string, std::string> served_by = {{"alice", "variant-a"},
                                                  {"bob", "variant-b"}};
  for (const auto& [user, variant] : served_by) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group("shop");
    r.set_recommender(variant);
    r.set_user_id(user);
    auto list = *recloop_->GetRecommendations(r);
    v1::PutEventsRequest click;
    click.set_tracking_id(tid);
    click.set_user_id(user);
    click.set_session_id("s-" + user);
    v1::Event* e = click.add_event_list();
    e->set_event_type("click");
    e->set_item_id(list.item_list(0).item_id());
    e->set_recommendation_id(list.recommendation_id());
    e->mutable_sent_at()->set_seconds(1800000000);
    ASSERT_TRUE(recloop_->PutEvents(click).ok());
  }
  for (const auto& [user, variant] : served_by) {
    v1::GetUserHistoryRequest h;
    h.set_dataset_group("shop");
    h.set_user_id(user);
    EXPECT_EQ(recloop_->GetUserHistory(h)->events(0).attribution_source(), variant);
  }
}

TEST_F(RecloopTest, RecommenderResourcesAreValidated) {
  CreateGroupAndTracker("shop");
  v1::CreateRecommenderRequest c;
  c.set_name("r1");
  c.set_dataset_group("shop");
  c.set_recipe("nope");
  EXPECT_EQ(recloop_->CreateRecommender(c).status().code(),
            absl::StatusCode::kInvalidArgument);
  c.set_recipe("aws-trending-now");
  c.mutable_config()->set_exploration_weight(7);
  auto bad = recloop_->CreateRecommender(c);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("config.exploration_weight"));
  c.clear_config();
  c.set_dataset_group("missing");
  EXPECT_EQ(recloop_->CreateRecommender(c).status().code(), absl::StatusCode::kNotFound);
  c.set_dataset_group("shop");
  ASSERT_TRUE(recloop_->CreateRecommender(c).ok());
  EXPECT_EQ(recloop_->CreateRecommender(c).status().code(),
            absl::StatusCode::kAlreadyExists);
  c.set_name("default");
  EXPECT_EQ(recloop_->CreateRecommender(c).status().code(),
            absl::StatusCode::kAlreadyExists);

  v1::DescribeRecommenderRequest d;
  d.set_name("r1");  // Unique names need no dataset group.
  auto described = recloop_->DescribeRecommender(d);
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->recipe(), "aws-trending-now");
  EXPECT_EQ(described->dataset_group(), "shop");
  d.set_name("default");
  EXPECT_EQ(recloop_->DescribeRecommender(d).status().code(),
            absl::StatusCode::kInvalidArgument);
  d.set_dataset_group("shop");
  EXPECT_EQ(recloop_->DescribeRecommender(d)->recipe(), "user-personalization");

  v1::ListRecommendersRequest list;
  list.set_dataset_group("shop");
  list.set_max_results(1);
  std::vector<std::string> names;
  do {
    auto page = *recloop_->ListRecommenders(list);
    for (const auto& r : page.recommenders()) names.push_back(r.name());
    list.set_next_token(page.next_token());
  } while (!list.next_token().empty());
  EXPECT_THAT(names, ElementsAre("default", "r1"));
}

TEST_F(RecloopTest, DeletingAGroupDeletesItsEvents) {
  std::string tid = CreateGroupAndTracker("shop");
  ASSERT_TRUE(Put(tid, "u", "s", {"A", "B"}).ok());
  v1::DeleteDatasetGroupRequest d;
  d.set_name("shop");
  ASSERT_TRUE(recloop_->DeleteDatasetGroup(d).ok());
  EXPECT_EQ(Put(tid, "u", "s", {"C"}).status().code(), absl::StatusCode::kNotFound);
  tid = CreateGroupAndTracker("shop");
  EXPECT_THAT(History("shop", "u"), ElementsAre());
  EXPECT_THAT(Recommend("shop", "", "", 5), ElementsAre());
  Crash();  // The journal of the deleted group is skipped.
  EXPECT_THAT(Recommend("shop", "", "", 5), ElementsAre());
}

TEST_F(RecloopTest, ServedListsBecomeImplicitImpressions) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  v1::GetRecommendationsRequest r;
  r.set_dataset_group("shop");
  r.set_user_id("clicker");
  r.set_num_results(3);
  auto served = *recloop_->GetRecommendations(r);
  ASSERT_EQ(served.item_list_size(), 3);

  v1::PutEventsRequest click;
  click.set_tracking_id(tid);
  click.set_user_id("clicker");
  click.set_session_id("s");
  v1::Event* e = click.add_event_list();
  e->set_event_type("click");
  e->set_item_id(served.item_list(1).item_id());
  e->set_recommendation_id(served.recommendation_id());
  e->mutable_sent_at()->set_seconds(1800000000);
  ASSERT_TRUE(recloop_->PutEvents(click).ok());

  v1::GetUserHistoryRequest h;
  h.set_dataset_group("shop");
  h.set_user_id("clicker");
  auto history = *recloop_->GetUserHistory(h);
  ASSERT_EQ(history.events_size(), 1);
  std::vector<std::string> impression(history.events(0).effective_impression().begin(),
                                      history.events(0).effective_impression().end());
  std::vector<std::string> listed;
  for (const auto& i : served.item_list()) listed.push_back(i.item_id());
  EXPECT_EQ(impression, listed);
  EXPECT_EQ(history.events(0).attribution_source(), "default");
}

}  // namespace
}  // namespace recloop

namespace recloop {
namespace {

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
