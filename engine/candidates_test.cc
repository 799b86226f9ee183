#include "engine/candidates.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

// The model's components, filled by hand: items 0-5; 0 and 1 co-occur with
// 2; 5 is the most popular and trending item but no neighbour.
class CandidatesTest : public ::testing::Test {
 protected:
  CandidatesTest() : co_(200), popularity_(10), trending_(10, 24), tenure_(10) {}
  void SetUp() override {
    const size_t n = 6;
    for (size_t i = 0; i < n; ++i) catalog_.Add("i" + std::to_string(i), 0);
    co_.Resize(n);
    trending_.Resize(n);
    tenure_.Resize(n);
    sequence_.Resize(n);
    trending_.Observe(0);
    for (uint32_t i = 0; i < n; ++i) Interact(i, i == 5 ? 10 : 1);
    for (uint32_t a : {0u, 1u}) {
      co_.Add(a, 2, 1);
      co_.Add(2, a, 1);
    }
  }
  void Interact(uint32_t i, double weight) {
    catalog_.AddInteraction(i, weight);
    popularity_.Update(i, catalog_.item(i).weight);
    trending_.Add(i, weight);
    tenure_.Add(i, 0, weight);
  }
  CandidateSignals Signals() {
    return CandidateSignals(
        {options_, catalog_, co_, popularity_, trending_, tenure_, sequence_});
  }
  UserWindow WindowOf(std::vector<std::string> newest_first) {
    std::vector<HistoryItem> history;
    for (auto& id : newest_first) history.push_back({id, 1});
    return UserWindow::Of(history, catalog_, options_);
  }

  ModelOptions options_;
  ItemCatalog catalog_;
  CoOccurrence co_;
  Popularity popularity_;
  TrendingScores trending_;
  TenurePopularity tenure_;
  SequenceEmbedding sequence_;
};

std::vector<uint32_t> Indexes(const std::vector<Candidate>& candidates) {
  std::vector<uint32_t> out;
  for (const Candidate& c : candidates) out.push_back(c.index);
  return out;
}

// Neighbours first, then the popular, trending and stage pools; nothing
// excluded, nothing twice; every feature in [0, 1] with a maximum of 1
// wherever the signal varies.
TEST_F(CandidatesTest, GatherTakesNeighboursThenPoolsAndNormalizes) {
  const auto candidates = Signals().Gather(WindowOf({"i0"}), /*excluded=*/{0, 3});
  const std::vector<uint32_t> got = Indexes(candidates);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0], 2u) << "the only neighbour of the user's item comes first";
  EXPECT_THAT(got, ::testing::Contains(5u))
      << "the most popular joins as a pool candidate";
  EXPECT_THAT(got, ::testing::Not(::testing::Contains(0u)));
  EXPECT_THAT(got, ::testing::Not(::testing::Contains(3u)));
  EXPECT_EQ(std::set<uint32_t>(got.begin(), got.end()).size(), got.size());
  BlendFeatures max{};
  for (const Candidate& c : candidates) {
    for (size_t k = 0; k < kBlendSignals; ++k) {
      EXPECT_GE(c.features[k], 0);
      EXPECT_LE(c.features[k], 1);
      max[k] = std::max(max[k], c.features[k]);
    }
  }
  EXPECT_EQ(max[kCollaborative], 1);
  EXPECT_EQ(max[kPopularity], 1);
  EXPECT_EQ(candidates[got.size() - 1].features[kCollaborative], 0) << "pool candidates";
}

TEST_F(CandidatesTest, NothingWithoutCollaborativeEvidence) {
  EXPECT_TRUE(Signals().Gather(WindowOf({"i4"}), {}).empty());
  EXPECT_TRUE(Signals().Gather(WindowOf({}), {}).empty());
}

// An impression's items are scored among themselves, in index order.
TEST_F(CandidatesTest, ShownItemsInIndexOrderWithTheirSignals) {
  const auto shown = Signals().Shown(WindowOf({"i0"}), {5, 2, 4, 1}, /*excluded=*/{1});
  EXPECT_THAT(Indexes(shown), ::testing::ElementsAre(2, 4, 5));
  EXPECT_EQ(shown[0].features[kCollaborative], 1);
  EXPECT_EQ(shown[1].features[kCollaborative], 0);
  EXPECT_EQ(shown[2].features[kPopularity], 1);
}

}  // namespace
}  // namespace recloop
