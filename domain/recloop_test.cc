// Recloop through its public API, on a real RocksDB store: the control
// plane (groups, trackers, recommenders) and the event path (validation,
// sessions, served lists and attribution). Recommendations are in
// recloop_recommendations_test.cc, crash recovery in recloop_recovery_test.cc.
#include "domain/recloop.h"

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

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

TEST_F(RecloopTest, EachRecommenderAttributesItsOwnLists) {
  const std::string tid = CreateGroupAndTracker("shop");
  SeedCoOccurrence(tid);
  for (const char* name : {"variant-a", "variant-b"}) {
    ASSERT_NO_FATAL_FAILURE(CreateActiveRecommender("shop", name));
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
  auto again = recloop_->CreateRecommender(c);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(again.status().message()),
              HasSubstr("recommender r1 already exists in dataset group shop"));
  c.set_name("default");
  EXPECT_EQ(recloop_->CreateRecommender(c).status().code(),
            absl::StatusCode::kAlreadyExists);

  v1::DescribeRecommenderRequest d;
  d.set_name("r1");
  auto unnamed_group = recloop_->DescribeRecommender(d);
  EXPECT_EQ(unnamed_group.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unnamed_group.status().message()), HasSubstr("dataset_group"));
  d.set_dataset_group("shop");
  auto described = recloop_->DescribeRecommender(d);
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->recipe(), "aws-trending-now");
  EXPECT_EQ(described->dataset_group(), "shop");
  d.set_name("default");
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

// A recommender's name says nothing about other groups: each group may
// have one of the same name, with its own model.
TEST_F(RecloopTest, RecommenderNamesAreUniqueWithinADatasetGroup) {
  const std::string shop = CreateGroupAndTracker("shop");
  const std::string news = CreateGroupAndTracker("news");
  for (int u = 0; u < 3; ++u) {
    ASSERT_TRUE(Put(shop, "u" + std::to_string(u), "s", {"shoe"}).ok());
    ASSERT_TRUE(Put(news, "u" + std::to_string(u), "s", {"storm"}).ok());
  }
  ASSERT_TRUE(Put(shop, "u9", "s", {"sock"}).ok());
  ASSERT_NO_FATAL_FAILURE(CreateActiveRecommender("shop", "top", "popularity-count"));
  ASSERT_NO_FATAL_FAILURE(CreateActiveRecommender("news", "top", "trending-now"));

  const auto serve = [&](const std::string& group) {
    v1::GetRecommendationsRequest r;
    r.set_dataset_group(group);
    r.set_recommender("top");
    auto response = recloop_->GetRecommendations(r);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> items;
    if (response.ok()) {
      for (const auto& i : response->item_list()) items.push_back(i.item_id());
    }
    return items;
  };
  EXPECT_THAT(serve("shop"), ElementsAre("shoe", "sock"));
  EXPECT_THAT(serve("news"), ElementsAre("storm"));
  v1::DescribeRecommenderRequest d;
  d.set_dataset_group("news");
  d.set_name("top");
  EXPECT_EQ(recloop_->DescribeRecommender(d)->recipe(), "trending-now");

  v1::DeleteRecommenderRequest del;
  del.set_dataset_group("shop");
  del.set_name("top");
  ASSERT_TRUE(recloop_->DeleteRecommender(del).ok());
  Crash();
  d.set_dataset_group("shop");
  EXPECT_EQ(recloop_->DescribeRecommender(d).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(serve("news"), ElementsAre("storm"));
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

}  // namespace
}  // namespace recloop
