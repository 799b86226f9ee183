// End-to-end tests of the data plane (see e2e_test.cc): 2. storage across a
// crash, 3. dedup, 4. anonymous users, 5. recommendation ids, implicit
// impressions and attribution, 6. recommendations and ranking.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recloop/v1/recloop.grpc.pb.h"
#include "tests/e2e_fixture.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// --- 2. Storage -------------------------------------------------------------------

TEST_F(E2eTest, AcknowledgedEventsSurviveACrashAndKeepCounting) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(PutItems(tid, "z", {"A"}).ok());
  Restart();  // No final checkpoint: like kill -9.
  EXPECT_THAT(Items(History("shop", "z")), ElementsAre("A"));
  EXPECT_EQ(Ids(Recommend("shop", "z", "", 2)), (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(Ids(Recommend("shop", "", "A", 1)), std::vector<std::string>{"B"});
  ASSERT_TRUE(PutItems(tid, "z", {"B"}).ok());
  EXPECT_THAT(Items(History("shop", "z")), ElementsAre("A", "B"));
}

// --- 3. Dedup ---------------------------------------------------------------------

TEST_F(E2eTest, RetriesAndIdenticalEventsAreStoredOnceAndCounted) {
  const std::string tid = Setup("shop");
  v1::PutEventsResponse first, retry, same, mixed;
  ASSERT_TRUE(Put(tid, "u", "s", {Click("a", 100, "id-1"), Click("b", 101, "id-2")}, &first).ok());
  EXPECT_EQ(first.stored_count(), 2);
  EXPECT_EQ(first.duplicate_count(), 0);
  ASSERT_TRUE(Put(tid, "u", "s", {Click("a", 100, "id-1"), Click("b", 101, "id-2")}, &retry).ok());
  EXPECT_EQ(retry.stored_count(), 0);
  EXPECT_EQ(retry.duplicate_count(), 2);
  // No event_id: identical fields at the same sent_at for the same user.
  ASSERT_TRUE(Put(tid, "u", "s", {Click("c", 102)}, &same).ok());
  ASSERT_TRUE(Put(tid, "u", "s", {Click("c", 102)}, &same).ok());
  EXPECT_EQ(same.duplicate_count(), 1);
  ASSERT_TRUE(Put(tid, "u", "s", {Click("c", 102), Click("d", 103)}, &mixed).ok());
  EXPECT_EQ(mixed.stored_count(), 1);
  EXPECT_EQ(mixed.duplicate_count(), 1);
  ASSERT_EQ(mixed.results_size(), 2);
  EXPECT_TRUE(mixed.results(0).duplicate());
  EXPECT_FALSE(mixed.results(1).duplicate());
  EXPECT_THAT(Items(History("shop", "u")), ElementsAre("a", "b", "c", "d"));
}

// --- 4. Anonymous users -------------------------------------------------------------

TEST_F(E2eTest, AnonymousSessionsArePersonalizedAndLinkToTheUser) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(Put(tid, "", "anon-1", {Click("A", 1800000000)}).ok());
  EXPECT_THAT(Items(History("shop", "anon-1")), ElementsAre("A"));
  EXPECT_EQ(Ids(Recommend("shop", "anon-1", "", 1)), std::vector<std::string>{"B"});

  // The user logs in: the session's earlier events join the user's history.
  ASSERT_TRUE(Put(tid, "alice", "anon-1", {Click("C", 1800000010)}).ok());
  EXPECT_THAT(Items(History("shop", "alice")), ElementsAre("A", "C"));
  std::vector<std::string> recs = Ids(Recommend("shop", "alice", "", 5));
  EXPECT_THAT(recs, ::testing::Not(::testing::Contains("A")));
  EXPECT_THAT(recs, ::testing::Not(::testing::Contains("C")));
  EXPECT_EQ(recs[0], "B");
}

// --- 5. Recommendation ids, implicit impressions, attribution ------------------------

TEST_F(E2eTest, ClicksOnServedListsGetImpressionsAndAttribution) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  v1::GetRecommendationsResponse served = Recommend("shop", "bob", "", 3);
  ASSERT_EQ(served.item_list_size(), 3);
  EXPECT_THAT(served.recommendation_id(), ::testing::StartsWith("RID-"));
  EXPECT_EQ(served.recommendation_id().size(), 40u);
  EXPECT_NE(Recommend("shop", "bob", "", 3).recommendation_id(), served.recommendation_id());

  v1::Event implicit = Click(served.item_list(0).item_id(), 1800000000);
  implicit.set_recommendation_id(served.recommendation_id());
  v1::Event explicit_impression = Click("B", 1800000001);
  explicit_impression.set_recommendation_id(served.recommendation_id());
  explicit_impression.add_impression("B");
  explicit_impression.add_impression("Z");
  explicit_impression.mutable_metric_attribution()->set_event_attribution_source("newsletter");
  v1::Event unknown = Click("C", 1800000002);
  unknown.set_recommendation_id("RID-never-served");
  v1::Event plain = Click("D", 1800000003);
  ASSERT_TRUE(Put(tid, "bob", "s", {implicit, explicit_impression, unknown, plain}).ok());

  v1::GetUserHistoryResponse h = History("shop", "bob");
  ASSERT_EQ(h.events_size(), 4);
  std::vector<std::string> listed = Ids(served);
  EXPECT_THAT(h.events(0).effective_impression(), ElementsAreArray(listed));
  EXPECT_EQ(h.events(0).attribution_source(), "default");
  EXPECT_THAT(h.events(1).effective_impression(), ElementsAre("B", "Z"));
  EXPECT_EQ(h.events(1).attribution_source(), "newsletter");
  EXPECT_THAT(h.events(2).effective_impression(), ElementsAre());
  EXPECT_EQ(h.events(2).event().recommendation_id(), "RID-never-served");
  EXPECT_EQ(h.events(2).attribution_source(), "SOURCE_NAME_UNDEFINED");
  EXPECT_EQ(h.events(3).attribution_source(), "SOURCE_NAME_UNDEFINED");

  // Served lists are remembered across a crash too.
  Restart();
  v1::Event later = Click("C", 1800000100);
  later.set_recommendation_id(served.recommendation_id());
  ASSERT_TRUE(Put(tid, "bob", "s", {later}).ok());
  EXPECT_THAT(History("shop", "bob").events(4).effective_impression(),
              ElementsAreArray(listed));
}

TEST_F(E2eTest, ExpiredRecommendationIdsGiveNoImpressions) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  const std::string rid = Recommend("shop", "late", "", 3).recommendation_id();
  clock_.Advance(absl::Hours(24 * 7 + 1));  // Past the default 7-day retention.
  v1::Event click = Click("B", 1800000000);
  click.set_recommendation_id(rid);
  ASSERT_TRUE(Put(tid, "late", "s", {click}).ok());
  const auto h = History("shop", "late");
  ASSERT_EQ(h.events_size(), 1);
  EXPECT_EQ(h.events(0).event().recommendation_id(), rid) << "stored as given";
  EXPECT_EQ(h.events(0).effective_impression_size(), 0);
  EXPECT_EQ(h.events(0).attribution_source(), "SOURCE_NAME_UNDEFINED");
}

TEST_F(E2eTest, CustomSchemaFieldsAreCheckedInProperties) {
  const std::string tid = Setup(
      "movies",
      R"({"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",)"
      R"("fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
      R"({"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},)"
      R"({"name":"NUM_RATINGS","type":"int"},)"
      R"({"name":"DEVICE","type":["null","string"],"categorical":true}],"version":"1.0"})");
  v1::Event good = Click("m1", 100);
  good.set_properties(R"({"numRatings":12,"device":"mobile"})");
  ASSERT_TRUE(Put(tid, "u", "s", {good}).ok());
  EXPECT_EQ(History("movies", "u").events(0).event().properties(),
            R"({"numRatings":12,"device":"mobile"})");

  v1::Event wrong_type = Click("m2", 101);
  wrong_type.set_properties(R"({"numRatings":"twelve"})");
  grpc::Status s = Put(tid, "u", "s", {Click("m3", 102), wrong_type});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[1].properties.numRatings"));
  v1::Event unknown_key = Click("m2", 101);
  unknown_key.set_properties(R"({"colour":"red"})");
  s = Put(tid, "u", "s", {unknown_key});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_list[0].properties.colour"));
  EXPECT_EQ(History("movies", "u").events_size(), 1);
}

TEST_F(E2eTest, RankingResponsesCarryRecommendationIdsToo) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group("shop");
  r.set_user_id("u1");
  for (const char* i : {"C", "B", "new"}) r.add_input_list(i);
  grpc::ClientContext c;
  v1::GetPersonalizedRankingResponse ranked;
  ASSERT_TRUE(recs_->GetPersonalizedRanking(&c, r, &ranked).ok());
  EXPECT_THAT(ranked.recommendation_id(), ::testing::StartsWith("RID-"));
  v1::Event click = Click("C", 1800000000);
  click.set_recommendation_id(ranked.recommendation_id());
  ASSERT_TRUE(Put(tid, "u1", "s", {click}).ok());
  const auto h = History("shop", "u1");
  EXPECT_EQ(h.events(h.events_size() - 1).effective_impression_size(), 3);
}

// --- 6. Recommendations -------------------------------------------------------------

TEST_F(E2eTest, RecommendationsReflectTheEventJustAcknowledged) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(PutItems(tid, "extra", {"D"}).ok());
  // Cold user: most popular first.
  EXPECT_EQ(Ids(Recommend("shop", "carol", "", 1)), std::vector<std::string>{"A"});
  EXPECT_EQ(Recommend("shop", "carol").item_list_size(), 4) << "all items (default 25)";
  ASSERT_TRUE(PutItems(tid, "carol", {"A"}).ok());
  EXPECT_EQ(Ids(Recommend("shop", "carol", "", 2)), (std::vector<std::string>{"B", "C"}));
  // A brand-new item is recommendable the moment it co-occurs.
  ASSERT_TRUE(PutItems(tid, "dave", {"D", "fresh"}).ok());
  ASSERT_TRUE(PutItems(tid, "erin", {"D"}).ok());
  EXPECT_EQ(Ids(Recommend("shop", "erin", "", 1)), std::vector<std::string>{"fresh"});
  // item_id without user_id: related items.
  EXPECT_EQ(Ids(Recommend("shop", "", "A", 2)), (std::vector<std::string>{"B", "C"}));
  auto scored = Recommend("shop", "", "A", 2);
  EXPECT_GT(scored.item_list(0).score(), scored.item_list(1).score());
}

TEST_F(E2eTest, RankingReturnsExactlyTheInputItems) {
  const std::string tid = Setup("shop");
  SeedCoOccurrence(tid);
  ASSERT_TRUE(PutItems(tid, "ranker", {"A"}).ok());
  v1::GetPersonalizedRankingRequest r;
  r.set_dataset_group("shop");
  r.set_user_id("ranker");
  for (const char* i : {"never-seen", "C", "B"}) r.add_input_list(i);
  grpc::ClientContext c;
  v1::GetPersonalizedRankingResponse ranked;
  ASSERT_TRUE(recs_->GetPersonalizedRanking(&c, r, &ranked).ok());
  std::vector<std::string> order;
  for (const auto& i : ranked.personalized_ranking()) order.push_back(i.item_id());
  EXPECT_THAT(order, ElementsAre("B", "C", "never-seen"));
}

}  // namespace
}  // namespace recloop
