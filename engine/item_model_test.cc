#include "engine/item_model.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Ids(const std::vector<ScoredItem>& items) {
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i.item_id);
  return ids;
}

// Feeds one user's sequence to the model the way the event log would: each
// item with the user's earlier items, most recent first.
void Feed(ItemModel* model, const std::vector<std::string>& sequence) {
  std::vector<std::string> window;
  for (const std::string& item : sequence) {
    model->Observe(item, absl::FromUnixSeconds(1700000000), 1.0, window);
    window.insert(window.begin(), item);
  }
}

TEST(ItemModelTest, LearnsCoOccurrenceIncrementally) {
  ItemModel model{ItemModelOptions()};
  Feed(&model, {"a", "b"});
  Feed(&model, {"a", "b"});
  Feed(&model, {"a", "c"});
  EXPECT_THAT(Ids(model.RelatedItems("a", 2, {})), ElementsAre("b", "c"));
  EXPECT_THAT(Ids(model.RecommendForHistory({"a"}, 2, {"a"})), ElementsAre("b", "c"));
  EXPECT_EQ(model.item_count(), 3u);
}

TEST(ItemModelTest, NormalizationKeepsPopularItemsFromDrowningSpecificOnes) {
  ItemModel model{ItemModelOptions()};
  // "hit" co-occurs with everything; "niche" only ever with "x".
  for (int u = 0; u < 50; ++u) Feed(&model, {"hit", "filler" + std::to_string(u)});
  for (int u = 0; u < 3; ++u) Feed(&model, {"x", "hit"});
  for (int u = 0; u < 3; ++u) Feed(&model, {"x", "niche"});
  // Raw co-occurrence with x ties (3 and 3); cosine prefers the specific one.
  EXPECT_THAT(Ids(model.RelatedItems("x", 2, {})), ElementsAre("niche", "hit"));
}

TEST(ItemModelTest, RecentHistoryCountsMore) {
  ItemModel model{ItemModelOptions()};
  Feed(&model, {"old", "old-neighbour"});
  Feed(&model, {"new", "new-neighbour"});
  // Most recent first: "new" was the last thing the user did.
  EXPECT_THAT(Ids(model.RecommendForHistory({"new", "old"}, 2, {"new", "old"})),
              ElementsAre("new-neighbour", "old-neighbour"));
  EXPECT_THAT(Ids(model.RecommendForHistory({"old", "new"}, 2, {"new", "old"})),
              ElementsAre("old-neighbour", "new-neighbour"));
}

TEST(ItemModelTest, NeighbourListsAreCapped) {
  ItemModelOptions options;
  options.max_neighbours = 5;
  ItemModel model(options);
  for (int i = 0; i < 100; ++i) Feed(&model, {"hub", "spoke" + std::to_string(i)});
  EXPECT_LE(model.neighbour_count(), 2u * 5 + 100);  // hub <= 2*cap; each spoke 1
  EXPECT_LE(model.RelatedItems("hub", 100, {}).size(), 100u);
  // Strong pairs survive pruning.
  for (int i = 0; i < 20; ++i) Feed(&model, {"hub", "favourite"});
  for (int i = 0; i < 100; ++i) Feed(&model, {"hub", "late" + std::to_string(i)});
  EXPECT_EQ(model.RelatedItems("hub", 1, {})[0].item_id, "favourite");
}

TEST(ItemModelTest, WindowBoundsHowFarBackPairsReach) {
  ItemModelOptions options;
  options.window = 2;
  ItemModel model(options);
  Feed(&model, {"first", "second", "third", "fourth"});
  // "fourth" paired with "third" and "second" only.
  auto related = Ids(model.RelatedItems("fourth", 10, {}));
  ASSERT_GE(related.size(), 2u);
  EXPECT_THAT(std::vector<std::string>(related.begin(), related.begin() + 2),
              ::testing::UnorderedElementsAre("third", "second"));
  // "first" appears only as a popularity fill-in, scored below real neighbours.
  auto scored = model.RelatedItems("fourth", 10, {});
  EXPECT_LT(scored.back().score, scored[1].score);
}

TEST(ItemModelTest, FallsBackToPopularityAndHonoursExclusions) {
  ItemModel model{ItemModelOptions()};
  for (int i = 0; i < 3; ++i) Feed(&model, {"p1"});
  for (int i = 0; i < 2; ++i) Feed(&model, {"p2"});
  Feed(&model, {"p3"});
  EXPECT_THAT(Ids(model.Popular(2, {})), ElementsAre("p1", "p2"));
  EXPECT_THAT(Ids(model.Popular(5, {"p1"})), ElementsAre("p2", "p3"));
  EXPECT_THAT(Ids(model.RecommendForHistory({"unknown"}, 2, {})), ElementsAre("p1", "p2"));
}

TEST(ItemModelTest, PopularPoolTracksRisingItems) {
  ItemModelOptions options;
  options.popular_pool = 2;
  ItemModel model(options);
  Feed(&model, {"a"});
  Feed(&model, {"b"});
  for (int i = 0; i < 5; ++i) Feed(&model, {"c"});  // passes both
  EXPECT_THAT(Ids(model.Popular(1, {})), ElementsAre("c"));
  // Exclusions beyond the pool fall back to ranking everything.
  EXPECT_THAT(Ids(model.Popular(3, {"c"})), ElementsAre("a", "b"));
}

TEST(ItemModelTest, RankPutsUnknownItemsLast) {
  ItemModel model{ItemModelOptions()};
  Feed(&model, {"a", "b"});
  Feed(&model, {"c"});
  Feed(&model, {"c"});
  auto ranked = Ids(model.Rank({"a"}, {"zz", "c", "b", "yy"}));
  // b is a's neighbour; c is only popular; unknown ones keep input order.
  EXPECT_THAT(ranked, ElementsAre("b", "c", "zz", "yy"));
}

TEST(ItemModelTest, CheckpointRoundTripsThroughTheStore) {
  TempDir dir;
  StoreOptions options;
  options.path = dir.path();
  options.small_footprint = true;
  auto store = *Store::Open(options);
  ItemModel model{ItemModelOptions()};
  Feed(&model, {"a", "b", "c"});
  Feed(&model, {"a", "b"});
  WriteBatch batch(*store);
  EXPECT_EQ(model.TakeDirty(9, &batch).size(), 3u);
  ASSERT_TRUE(store->Write(&batch).ok());
  WriteBatch empty(*store);
  EXPECT_TRUE(model.TakeDirty(9, &empty).empty()) << "nothing changed since";
  EXPECT_EQ(empty.Count(), 0);
  model.MarkDirty({0, 2});  // As after a failed checkpoint write.
  WriteBatch again(*store);
  EXPECT_EQ(model.TakeDirty(9, &again).size(), 2u);

  ItemModel restored{ItemModelOptions()};
  ASSERT_TRUE(restored.Load(*store, 9).ok());
  EXPECT_EQ(restored.item_count(), 3u);
  auto before = model.RelatedItems("a", 5, {});
  auto after = restored.RelatedItems("a", 5, {});
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].item_id, after[i].item_id);
    EXPECT_DOUBLE_EQ(before[i].score, after[i].score);
  }
  EXPECT_THAT(Ids(restored.Popular(1, {})), ElementsAre("a"));
  // Another group's records are not mixed in.
  ItemModel other{ItemModelOptions()};
  ASSERT_TRUE(other.Load(*store, 10).ok());
  EXPECT_EQ(other.item_count(), 0u);
}

}  // namespace
}  // namespace recloop
