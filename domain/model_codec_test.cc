#include "domain/model_codec.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

void Feed(ItemModel* model, const std::vector<std::string>& sequence, absl::Time time,
          std::vector<std::string> contexts = {}) {
  std::vector<HistoryItem> window;
  for (const std::string& item : sequence) {
    Interaction interaction;
    interaction.item_id = item;
    interaction.time = time;
    interaction.contexts = contexts;
    model->Observe(interaction, window);
    window.insert(window.begin(), HistoryItem{item, 1});
  }
}

ServeQuery Query(const std::vector<HistoryItem>& history, int n) {
  ServeQuery q;
  q.history = history;
  q.n = n;
  return q;
}

std::vector<std::string> Ids(const std::vector<ScoredItem>& items) {
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i.item_id);
  return ids;
}

class ModelCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  absl::Status Checkpoint(ItemModel* model, uint32_t group, uint32_t recommender) {
    WriteBatch batch(*store_);
    CheckpointModel(model, group, recommender, &batch);
    return store_->Write(&batch);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Every part of the state goes through the store: a restored model lists,
// ranks and scores exactly as the one that was checkpointed.
TEST_F(ModelCodecTest, ARestoredModelServesExactlyTheSame) {
  ItemModel model{ModelOptions()};
  for (int u = 0; u < 200; ++u) {
    const std::string k = std::to_string(u % 10);
    Feed(&model, {"g" + k, "f0", "f1", "t" + k}, kT0 + absl::Seconds(u), {"DEVICE=tv"});
  }
  Interaction shown;
  shown.item_id = "t1";
  shown.time = kT0 + absl::Hours(1);
  shown.impressions = {"t1", "t2", "new"};
  model.Observe(shown, {{"f1", 1}, {"f0", 1}});
  ASSERT_TRUE(Checkpoint(&model, 3, 1).ok());

  ItemModel restored{ModelOptions()};
  ASSERT_TRUE(LoadModel(*store_, 3, 1, &restored).ok());
  EXPECT_EQ(restored.item_count(), model.item_count());
  EXPECT_EQ(restored.neighbour_count(), model.neighbour_count());
  EXPECT_EQ(restored.blend_weights(), model.blend_weights());
  EXPECT_EQ(restored.Stats("new")->impressions, 1);
  const std::vector<HistoryItem> history = {{"f1", 1}, {"f0", 1}, {"g4", 1}};
  std::vector<std::string> all;
  for (int k = 0; k < 10; ++k) {
    all.push_back("t" + std::to_string(k));
    all.push_back("g" + std::to_string(k));
  }
  const auto same = [](const std::vector<ScoredItem>& a,
                       const std::vector<ScoredItem>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].item_id != b[i].item_id || a[i].score != b[i].score) return false;
    }
    return true;
  };
  EXPECT_TRUE(same(restored.Personalized(Query(history, 20)),
                   model.Personalized(Query(history, 20))));
  EXPECT_TRUE(
      same(restored.Rank(Query(history, 20), all), model.Rank(Query(history, 20), all)));
  EXPECT_TRUE(
      same(restored.Related("f0", Query({}, 20)), model.Related("f0", Query({}, 20))));
  EXPECT_TRUE(same(restored.Trending(Query({}, 5)), model.Trending(Query({}, 5))));
  ServeQuery tv = Query({}, 5);
  const std::vector<std::string> contexts = {"DEVICE=tv"};
  tv.contexts = contexts;
  EXPECT_EQ(Ids(restored.Popular(tv)), Ids(model.Popular(tv)));

  // Another recommender's records are not mixed in.
  ItemModel other{ModelOptions()};
  ASSERT_TRUE(LoadModel(*store_, 3, 2, &other).ok());
  EXPECT_EQ(other.item_count(), 0u);
}

// Checkpoints from before the learned pair weights load (the pairs start
// at 0); a record whose learned weights do not match its pairs is refused.
TEST_F(ModelCodecTest, LearnedPairWeightsMustMatchTheirPairs) {
  const auto put = [&](uint32_t index, const internal::ItemModelRecord& record) {
    WriteBatch batch(*store_);
    batch.Put(Cf::kModel, ModelItemKey(3, 1, index), record.SerializeAsString());
    return store_->Write(&batch);
  };
  internal::ItemModelRecord a;
  a.set_item_id("a");
  a.set_weight(1);
  a.add_neighbour_index(1);
  a.add_neighbour_weight(1);
  internal::ItemModelRecord b = a;
  b.set_item_id("b");
  b.set_neighbour_index(0, 0);
  ASSERT_TRUE(put(0, a).ok());
  ASSERT_TRUE(put(1, b).ok());
  ItemModel older{ModelOptions()};
  ASSERT_TRUE(LoadModel(*store_, 3, 1, &older).ok());
  EXPECT_THAT(Ids(older.Related("a", Query({}, 1))), ElementsAre("b"));

  a.add_neighbour_learned(0.5);
  a.add_neighbour_learned(0.5);
  ASSERT_TRUE(put(0, a).ok());
  ItemModel mismatched{ModelOptions()};
  EXPECT_EQ(LoadModel(*store_, 3, 1, &mismatched).code(), absl::StatusCode::kDataLoss);
}

TEST_F(ModelCodecTest, CorruptRecordsAreDataLoss) {
  WriteBatch batch(*store_);
  batch.Put(Cf::kModel, ModelItemKey(3, 1, 0), "not a record");
  ASSERT_TRUE(store_->Write(&batch).ok());
  ItemModel model{ModelOptions()};
  EXPECT_EQ(LoadModel(*store_, 3, 1, &model).code(), absl::StatusCode::kDataLoss);

  WriteBatch header(*store_);
  header.Put(Cf::kModel, ModelHeaderKey(4, 1), "\xff\xff\xff");
  ASSERT_TRUE(store_->Write(&header).ok());
  ItemModel other{ModelOptions()};
  EXPECT_EQ(LoadModel(*store_, 4, 1, &other).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace recloop
