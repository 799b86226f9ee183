// Creating a recommender on a dataset group that already holds events,
// through Recloop's public API on a real RocksDB store: the recommender is
// CREATE_IN_PROGRESS while it learns them in the background and serves
// nothing, writes go on meanwhile, and whatever happens during its build (a
// checkpoint, a crash, a deletion) it ends ACTIVE having learned every
// event exactly once, or, deleted, writes nothing.
//
// Every test stores enough events that the build is still learning them
// while the test makes its next few calls (it takes about a second here,
// the calls a few milliseconds); each checks that premise where it matters.
// The recommenders are popularity-count, whose score of an item is its
// share of every event learned: a missed or twice-learned event changes it.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/recloop.h"
#include "domain/recloop_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;

class RecommenderBuildTest : public RecloopTest {
 protected:
  static constexpr int kStoredUsers = 1500;
  static constexpr int kEventsPerUser = 20;
  static constexpr int kStored = kStoredUsers * kEventsPerUser;
  // Each stored item has kStored / kOldItems events.
  static constexpr int kOldItems = 100;

  // Stores kStored events: every user clicks kEventsPerUser old items.
  void StoreManyEvents(const std::string& tid) {
    for (int u = 0; u < kStoredUsers; ++u) {
      for (int first = 0; first < kEventsPerUser; first += 10) {
        std::vector<std::string> items;
        for (int j = first; j < first + 10; ++j) {
          items.push_back(absl::StrCat("old-", (u + j) % kOldItems));
        }
        ASSERT_TRUE(Put(tid, absl::StrCat("user-", u), absl::StrCat("s-", u), items).ok());
      }
    }
  }

  // `n` clicks on `item`, each by a user of its own.
  void Clicks(const std::string& tid, const std::string& item, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(Put(tid, absl::StrCat(item, "-fan-", clicks_++), "s", {item}).ok());
    }
  }

  absl::StatusOr<v1::Recommender> Create(const std::string& group, const std::string& name,
                                         const std::string& recipe = "popularity-count") {
    v1::CreateRecommenderRequest create;
    create.set_name(name);
    create.set_dataset_group(group);
    create.set_recipe(recipe);
    return recloop_->CreateRecommender(create);
  }

  std::string StatusOf(const std::string& group, const std::string& name) {
    v1::DescribeRecommenderRequest describe;
    describe.set_dataset_group(group);
    describe.set_name(name);
    auto described = recloop_->DescribeRecommender(describe);
    return described.ok() ? described->status() : described.status().ToString();
  }

  absl::StatusOr<v1::GetRecommendationsResponse> Serve(const std::string& group,
                                                       const std::string& recommender) {
    v1::GetRecommendationsRequest request;
    request.set_dataset_group(group);
    request.set_recommender(recommender);
    request.set_num_results(500);
    return recloop_->GetRecommendations(request);
  }

  // The recommender's score of `item` (its share of the events learned);
  // -1 when it does not list it.
  double ShareOf(const std::string& group, const std::string& recommender,
                 const std::string& item) {
    auto served = Serve(group, recommender);
    EXPECT_TRUE(served.ok()) << served.status();
    if (!served.ok()) return -1;
    for (const auto& listed : served->item_list()) {
      if (listed.item_id() == item) return listed.score();
    }
    return -1;
  }

  std::vector<std::string> Names(const std::string& group) {
    v1::ListRecommendersRequest list;
    list.set_dataset_group(group);
    auto listed = recloop_->ListRecommenders(list);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> names;
    if (listed.ok()) {
      for (const auto& r : listed->recommenders()) names.push_back(r.name());
    }
    return names;
  }

  int clicks_ = 0;
};

TEST_F(RecommenderBuildTest, ServesNothingUntilItHasLearnedTheStoredEvents) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_NO_FATAL_FAILURE(StoreManyEvents(tid));
  auto created = Create("shop", "popular");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status(), "CREATE_IN_PROGRESS");

  auto served = Serve("shop", "popular");
  EXPECT_EQ(served.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(served.status().message(),
            "recommender: popular is CREATE_IN_PROGRESS; retry when it is ACTIVE");
  v1::GetPersonalizedRankingRequest rank;
  rank.set_dataset_group("shop");
  rank.set_recommender("popular");
  rank.set_user_id("user-1");
  rank.add_input_list("old-1");
  EXPECT_EQ(recloop_->GetPersonalizedRanking(rank).status().code(),
            absl::StatusCode::kFailedPrecondition);
  v1::ListRecommendersRequest list;
  list.set_dataset_group("shop");
  auto listed = recloop_->ListRecommenders(list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->recommenders_size(), 2);
  EXPECT_EQ(listed->recommenders(1).name(), "popular");
  EXPECT_EQ(listed->recommenders(1).status(), "CREATE_IN_PROGRESS");
  // The group's other recommenders serve and learn meanwhile.
  EXPECT_TRUE(Serve("shop", "").ok());
  ASSERT_NO_FATAL_FAILURE(Clicks(tid, "late", 30));
  EXPECT_EQ(StatusOf("shop", "popular"), "CREATE_IN_PROGRESS")
      << "the build ended before the test could look at it; store more events";

  ASSERT_TRUE(BecomesActive(*recloop_, "shop", "popular"));
  // Every stored event and every event stored during the build, once.
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "late"), 30.0 / (kStored + 30));
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "old-7"),
                   (kStored / kOldItems) / (kStored + 30.0));
  // Then it learns new events as they arrive.
  ASSERT_NO_FATAL_FAILURE(Clicks(tid, "late", 10));
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "late"), 40.0 / (kStored + 40));
}

// A checkpoint due during a build runs (so start-up replays only what came
// after it), leaves the recommender's half-learned model out, and keeps the
// journal the build has yet to learn from.
TEST_F(RecommenderBuildTest, ACheckpointDuringABuildKeepsWhatTheBuildStillNeeds) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_NO_FATAL_FAILURE(StoreManyEvents(tid));
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  ASSERT_TRUE(Create("shop", "popular").ok());
  ASSERT_NO_FATAL_FAILURE(Clicks(tid, "late", 30));
  ASSERT_TRUE(recloop_->Checkpoint().ok());
  EXPECT_EQ(StatusOf("shop", "popular"), "CREATE_IN_PROGRESS")
      << "the checkpoint waited for the build, or the build ended too soon";
  ASSERT_NO_FATAL_FAILURE(Clicks(tid, "late", 20));

  ASSERT_TRUE(BecomesActive(*recloop_, "shop", "popular"));
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "late"), 50.0 / (kStored + 50));

  Crash();
  // The checkpoint taken during the build covered the first 30 clicks.
  EXPECT_EQ(recloop_->recovery_stats().replayed_events, 20u);
  EXPECT_EQ(StatusOf("shop", "popular"), "ACTIVE");
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "late"), 50.0 / (kStored + 50));
}

TEST_F(RecommenderBuildTest, ACrashDuringABuildStartsItAgainAtTheNextStart) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_NO_FATAL_FAILURE(StoreManyEvents(tid));
  ASSERT_TRUE(Create("shop", "popular").ok());
  ASSERT_NO_FATAL_FAILURE(Clicks(tid, "late", 30));
  EXPECT_EQ(StatusOf("shop", "popular"), "CREATE_IN_PROGRESS")
      << "the build ended before the crash; store more events";
  Crash();

  ASSERT_TRUE(BecomesActive(*recloop_, "shop", "popular"));
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "late"), 30.0 / (kStored + 30));
  // A crash after it turned ACTIVE: its stored model plus the journal after
  // what it was trained through.
  ASSERT_NO_FATAL_FAILURE(Clicks(tid, "late", 10));
  Crash();
  EXPECT_EQ(StatusOf("shop", "popular"), "ACTIVE");
  EXPECT_DOUBLE_EQ(ShareOf("shop", "popular", "late"), 40.0 / (kStored + 40));
}

TEST_F(RecommenderBuildTest, DeletingARecommenderOrItsGroupStopsItsBuild) {
  const std::string tid = CreateGroupAndTracker("shop");
  ASSERT_NO_FATAL_FAILURE(StoreManyEvents(tid));
  ASSERT_TRUE(Create("shop", "popular").ok());
  v1::DeleteRecommenderRequest del;
  del.set_dataset_group("shop");
  del.set_name("popular");
  ASSERT_TRUE(recloop_->DeleteRecommender(del).ok());
  EXPECT_EQ(Serve("shop", "popular").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Names("shop"), ElementsAre("default"));
  // The name is free again, and the stopped build leaves nothing behind
  // that the new recommender would see.
  ASSERT_TRUE(Create("shop", "popular", "trending-now").ok());
  ASSERT_TRUE(BecomesActive(*recloop_, "shop", "popular"));
  v1::DescribeRecommenderRequest describe;
  describe.set_dataset_group("shop");
  describe.set_name("popular");
  EXPECT_EQ(recloop_->DescribeRecommender(describe)->recipe(), "trending-now");

  ASSERT_TRUE(Create("shop", "doomed").ok());
  v1::DeleteDatasetGroupRequest delete_group;
  delete_group.set_name("shop");
  ASSERT_TRUE(recloop_->DeleteDatasetGroup(delete_group).ok());
  CreateGroupAndTracker("shop");
  EXPECT_THAT(Names("shop"), ElementsAre("default"));
  Crash();
  EXPECT_THAT(Names("shop"), ElementsAre("default"));

  // Nothing of the first group (id 1) is left in the store: no build wrote
  // a record or a model after its deletion.
  recloop_.reset();
  StoreOptions options;
  options.path = dir_.path();
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto models = (*store)->NewPrefixCursor(Cf::kModel, GroupPrefix(1));
  models->SeekToFirst();
  EXPECT_FALSE(models->Valid()) << "a model record of the deleted group is left";
  auto records = (*store)->NewPrefixCursor(Cf::kMeta, meta_key::RecommenderPrefix("shop"));
  records->SeekToFirst();
  EXPECT_FALSE(records->Valid()) << "a recommender record of the deleted group is left";
}

}  // namespace
}  // namespace recloop
