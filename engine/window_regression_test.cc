#include "engine/window_regression.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace recloop {
namespace {

// Two window items whose lists both hold items 1, 2 and 3.
struct Window {
  Window() {
    for (NeighbourList* row : {&a, &b}) {
      for (uint32_t i : {1u, 2u, 3u}) row->Add(i, 1.0f);
    }
  }
  std::vector<NeighbourList*> rows() { return {&a, &b}; }
  std::vector<const NeighbourList*> const_rows() const { return {&a, &b}; }
  NeighbourList a, b;
};

TEST(WindowRegressionTest, ScoreIsTheMeanLearnedWeightOverTheWindow) {
  Window w;
  w.a.Add(1, 0, 3.0f);
  w.b.Add(1, 0, 1.0f);
  EXPECT_DOUBLE_EQ(WindowRegressionScore(w.const_rows(), 1), 2.0);
  EXPECT_DOUBLE_EQ(WindowRegressionScore(w.const_rows(), 2), 0.0);
  EXPECT_DOUBLE_EQ(WindowRegressionScore(w.const_rows(), 9), 0.0) << "not a neighbour";
  EXPECT_DOUBLE_EQ(WindowRegressionScore({}, 1), 0.0);
}

TEST(WindowRegressionTest, RowWeightsWeighTheAverage) {
  Window w;
  w.a.Add(1, 0, 3.0f);
  w.b.Add(1, 0, 1.0f);
  const std::vector<double> weights = {3, 1};
  EXPECT_DOUBLE_EQ(WindowRegressionScore(w.const_rows(), 1, weights), (3 * 3.0 + 1 * 1.0) / 4);
  const std::vector<double> wrong_size = {1};
  EXPECT_DOUBLE_EQ(WindowRegressionScore(w.const_rows(), 1, wrong_size), 0.0);
}

TEST(WindowRegressionTest, HeavierRowsLearnMore) {
  Window w;
  const std::vector<uint32_t> negatives = {2, 3};
  const std::vector<double> weights = {3, 1};
  LearnWindowRegression(w.rows(), 1, negatives, weights);
  const float heavy = w.a.Find(1)->learned;
  const float light = w.b.Find(1)->learned;
  EXPECT_GT(light, 0);
  EXPECT_FLOAT_EQ(heavy, 3 * light) << "each row moves in proportion to its weight";
  // Unweighted, both rows move alike, by the same total step.
  Window u;
  LearnWindowRegression(u.rows(), 1, negatives);
  EXPECT_FLOAT_EQ(u.a.Find(1)->learned, u.b.Find(1)->learned);
}

TEST(WindowRegressionTest, RecentRowsWeighMoreAndOldOnesStillCount) {
  EXPECT_DOUBLE_EQ(WindowRegressionRowWeight(0, 0.8), 1 + kWindowRegressionRecentBoost);
  EXPECT_GT(WindowRegressionRowWeight(1, 0.8), WindowRegressionRowWeight(5, 0.8));
  EXPECT_GT(WindowRegressionRowWeight(49, 0.8), 1.0);
  EXPECT_NEAR(WindowRegressionRowWeight(49, 0.8), 1.0, 1e-3);
}

TEST(WindowRegressionTest, ChosenItemsRiseAboveTheItemsTheyWereChosenOver) {
  Window w;
  for (int step = 0; step < 20; ++step) {
    const std::vector<uint32_t> negatives = {2, 3};
    LearnWindowRegression(w.rows(), 1, negatives);
  }
  const double chosen = WindowRegressionScore(w.const_rows(), 1);
  EXPECT_GT(chosen, 0);
  EXPECT_LT(WindowRegressionScore(w.const_rows(), 2), 0);
  EXPECT_LT(WindowRegressionScore(w.const_rows(), 3), 0);
  // Co-occurrence is not what it learns.
  EXPECT_FLOAT_EQ(w.a.Weight(1), 1.0f);

  // Choosing 3 over 1 from now on turns the order around.
  for (int step = 0; step < 200; ++step) {
    const std::vector<uint32_t> negatives = {1, 2};
    LearnWindowRegression(w.rows(), 3, negatives);
  }
  EXPECT_GT(WindowRegressionScore(w.const_rows(), 3), WindowRegressionScore(w.const_rows(), 1));
}

TEST(WindowRegressionTest, OneStepMovesTheTargetByTheRateOverTheSoftmax) {
  // All scores 0: three candidates are equally likely (1/3 each), so the
  // target's entries gain rate * (1 - 1/3) / |W| and each negative's lose
  // rate * (1/3) / |W|.
  Window w;
  const std::vector<uint32_t> negatives = {2, 3};
  LearnWindowRegression(w.rows(), 1, negatives);
  EXPECT_NEAR(w.a.Find(1)->learned, kWindowRegressionRate * (2.0 / 3) / 2, 1e-5);
  EXPECT_NEAR(w.b.Find(2)->learned, -kWindowRegressionRate * (1.0 / 3) / 2, 1e-5);
}

TEST(WindowRegressionTest, LearnsOnlyPairsThatExist) {
  Window w;
  NeighbourList sparse;  // A window item that never met item 1.
  sparse.Add(2, 1.0f);
  std::vector<NeighbourList*> rows = {&w.a, &sparse};
  const std::vector<uint32_t> negatives = {2, 7};
  LearnWindowRegression(rows, 1, negatives);
  EXPECT_EQ(sparse.Find(1), nullptr) << "no entry is created";
  EXPECT_EQ(sparse.size(), 1u);
  EXPECT_LT(sparse.Find(2)->learned, 0) << "an existing pair still learns";
  EXPECT_GT(w.a.Find(1)->learned, 0);
  EXPECT_EQ(w.a.Find(7), nullptr);
}

TEST(WindowRegressionTest, NothingToLearnFromWithoutAWindowOrNegatives) {
  Window w;
  LearnWindowRegression({}, 1, std::vector<uint32_t>{2});
  LearnWindowRegression(w.rows(), 1, {});
  for (uint32_t i : {1u, 2u, 3u}) EXPECT_EQ(w.a.Find(i)->learned, 0);
}

// Serving scores every candidate at once from dense sums; the reference
// (WindowRegressionScore, one search per candidate and row) must agree.
TEST(WindowRegressionTest, ServingScoresMatchTheReference) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> weight(-2, 2);
  std::vector<NeighbourList> lists(30);
  for (NeighbourList& list : lists) {
    for (uint32_t i = 0; i < 100; ++i) {
      if (rng() % 3 == 0) list.Add(i, 1.0f, weight(rng));
    }
  }
  std::vector<const NeighbourList*> rows;
  std::vector<double> row_weights;
  for (size_t r = 0; r < lists.size(); ++r) {
    rows.push_back(&lists[r]);
    row_weights.push_back(WindowRegressionRowWeight(r, 0.8));
  }
  std::vector<uint32_t> candidates;
  for (uint32_t i = 0; i < 120; i += 3) candidates.push_back(i);  // some never listed
  const std::vector<double> scores =
      WindowRegressionScores(rows, row_weights, candidates, /*items=*/120);
  ASSERT_EQ(scores.size(), candidates.size());
  int nonzero = 0;
  for (size_t k = 0; k < candidates.size(); ++k) {
    EXPECT_NEAR(scores[k], WindowRegressionScore(rows, candidates[k], row_weights), 1e-12)
        << candidates[k];
    nonzero += scores[k] != 0;
  }
  EXPECT_GT(nonzero, 10);
  // The per-thread sums are reset: a second call scores the same.
  EXPECT_EQ(WindowRegressionScores(rows, row_weights, candidates, 120), scores);
}

}  // namespace
}  // namespace recloop
