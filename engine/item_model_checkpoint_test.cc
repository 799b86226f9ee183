// Checkpoint state: what a checkpoint reads from a model restores into a
// fresh one that serves exactly the same (domain/model_codec_test.cc checks
// the same through the store).
#include <algorithm>
#include <string>
#include <vector>

#include "engine/item_model.h"
#include "engine/item_model_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using testing::Feed;
using testing::History;
using testing::Ids;
using testing::Query;
using testing::RoundTrip;

// Checkpoints `model` and loads the checkpoint into a fresh model, as a
// restart would; succeeds when the restored model has the same blend and
// ranks `items` for `history` in the same order with the same scores.
::testing::AssertionResult RestoredRanksTheSame(ItemModel* model,
                                                const std::vector<HistoryItem>& history,
                                                const std::vector<std::string>& items) {
  ItemModel restored{model->options()};
  RoundTrip(model, &restored);
  if (restored.blend_weights() != model->blend_weights()) {
    return ::testing::AssertionFailure() << "the blend weights differ";
  }
  const int n = static_cast<int>(items.size());
  const auto before = model->Rank(Query(history, n), items);
  const auto after = restored.Rank(Query(history, n), items);
  for (size_t i = 0; i < before.size(); ++i) {
    if (after[i].item_id != before[i].item_id || after[i].score != before[i].score) {
      return ::testing::AssertionFailure()
             << "rank " << i << ": " << after[i].item_id << " " << after[i].score
             << " after, " << before[i].item_id << " " << before[i].score << " before";
    }
  }
  return ::testing::AssertionSuccess();
}

// The sequence signal (item vectors and its blend weight) is model state
// like the neighbour lists: a restored model ranks exactly as before.
TEST(ItemModelTest, SequenceStateSurvivesACheckpoint) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  std::vector<std::string> items;
  for (int k = 0; k < 30; ++k) {
    items.push_back("first" + std::to_string(k));
    items.push_back("next" + std::to_string(k));
  }
  for (int u = 0; u < 600; ++u) {
    const std::string k = std::to_string(u % 30);
    Feed(&model, {"first" + k, "next" + k}, t + absl::Seconds(u));
  }
  EXPECT_GT(model.blend_weights()[kSequence], 0) << "what follows what was predictable";
  const auto h = History({"first3"});
  EXPECT_EQ(model.Rank(Query(h, 60), items)[0].item_id, "next3");
  EXPECT_TRUE(RestoredRanksTheSame(&model, h, items));
}

// Users who start with "g<k>" then read the same three items end with
// "t<k>". The learned pair weights earn blend weight, and are model state
// like the neighbour lists: a restored model scores exactly as before
// (this fails if a checkpoint drops them).
TEST(ItemModelTest, WindowRegressionStateSurvivesACheckpoint) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  std::vector<std::string> ends;
  for (int k = 0; k < 20; ++k) ends.push_back("t" + std::to_string(k));
  for (int u = 0; u < 400; ++u) {
    const std::string k = std::to_string(u % 20);
    Feed(&model, {"g" + k, "f0", "f1", "f2", "t" + k}, t + absl::Seconds(u));
  }
  EXPECT_GT(model.blend_weights()[kRegression], 0) << "the window was predictive";
  const auto h = History({"f2", "f1", "f0", "g3"});
  EXPECT_EQ(model.Rank(Query(h, 20), ends)[0].item_id, "t3");
  EXPECT_TRUE(RestoredRanksTheSame(&model, h, ends));
}

TEST(ItemModelTest, StagePopularitySurvivesACheckpoint) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  for (int u = 0; u < 3; ++u) Feed(&model, {"intro", "hit", "deep"}, t);
  for (int u = 0; u < 5; ++u) Feed(&model, {"hit", "other"}, t + absl::Hours(1));
  ItemModel restored{ModelOptions()};
  RoundTrip(&model, &restored);
  for (const auto& history : {History({}), History({"a"}), History({"b", "a"})}) {
    const auto before = model.PopularForUser(Query(history, 4));
    const auto after = restored.PopularForUser(Query(history, 4));
    ASSERT_EQ(Ids(after), Ids(before)) << history.size();
    // Totals are checkpointed, not re-added from the float weights.
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(after[i].score, before[i].score);
    }
  }
  EXPECT_EQ(Ids(restored.PopularForUser(Query({}, 2))),
            Ids(model.PopularForUser(Query({}, 2))));
  EXPECT_EQ(restored.PopularForUser(Query({}, 1))[0].item_id, "hit");
}

// A checkpoint holds what changed since the previous one; a write that
// failed puts its items back.
TEST(ItemModelTest, CheckpointsTakeWhatChangedSinceTheLast) {
  ItemModel model{ModelOptions()};
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  EXPECT_FALSE(model.Header().has_value()) << "no event yet: no header";
  Feed(&model, {"a", "b", "c"}, t, {"DEVICE=tv"});
  Feed(&model, {"a", "b"}, t + absl::Hours(1));
  Interaction shown;
  shown.time = t;
  shown.impressions = {"b"};
  model.Observe(shown, {});
  EXPECT_EQ(model.TakeDirty().size(), 3u);
  EXPECT_TRUE(model.TakeDirty().empty()) << "nothing changed since";
  model.MarkDirty({0, 2});  // As after a failed checkpoint write.
  EXPECT_EQ(model.TakeDirty().size(), 2u);
  model.MarkDirty({0, 1, 2});
  ItemModel restored{ModelOptions()};
  RoundTrip(&model, &restored);
  EXPECT_EQ(restored.item_count(), 3u);
  EXPECT_EQ(restored.Stats("b")->impressions, 1);
  ServeQuery q = Query({}, 3);
  const std::vector<std::string> tv = {"DEVICE=tv"};
  q.contexts = tv;
  EXPECT_EQ(Ids(restored.Popular(q)), Ids(model.Popular(q)));
  EXPECT_EQ(Ids(restored.Trending(Query({}, 3))), Ids(model.Trending(Query({}, 3))));
}

}  // namespace
}  // namespace recloop
