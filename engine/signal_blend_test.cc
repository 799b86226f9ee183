#include "engine/signal_blend.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace recloop {
namespace {

TEST(SignalBlendTest, StartsAsTheCollaborativeScoreAlone) {
  SignalBlend blend;
  EXPECT_GT(blend.weights()[kCollaborative], 0);
  EXPECT_EQ(blend.weights()[kTrending], 0);
  EXPECT_EQ(blend.weights()[kPopularity], 0);
  EXPECT_GT(blend.Score({1, 0, 0}), blend.Score({0.5, 1, 1}));
}

TEST(SignalBlendTest, LearnsTheSignalThatPredictsChoices) {
  // Users always pick the trending item, never the collaborative favourite.
  const std::vector<BlendFeatures> candidates = {
      {1.0, 0.1, 0.5},  // the collaborative favourite
      {0.2, 1.0, 0.5},  // trending, and chosen
      {0.5, 0.3, 0.5},
      {0.0, 0.0, 1.0},
  };
  SignalBlend blend;
  const double before = blend.Score(candidates[1]) - blend.Score(candidates[0]);
  EXPECT_LT(before, 0);
  for (int step = 0; step < 5000; ++step) blend.Learn(candidates, 1);
  EXPECT_GT(blend.weights()[kTrending], blend.weights()[kCollaborative]);
  EXPECT_GT(blend.Score(candidates[1]), blend.Score(candidates[0]));
  EXPECT_GT(blend.Score(candidates[1]), blend.Score(candidates[2]));
}

TEST(SignalBlendTest, WeightsStayNonNegative) {
  // The chosen item is always the least popular: popularity would go
  // negative if it could; scores must stay non-negative for demotions.
  const std::vector<BlendFeatures> candidates = {{1.0, 0.0, 0.0}, {0.5, 0.0, 1.0}};
  SignalBlend blend;
  for (int step = 0; step < 2000; ++step) blend.Learn(candidates, 0);
  EXPECT_EQ(blend.weights()[kPopularity], 0);
  EXPECT_GT(blend.weights()[kCollaborative], 5);
  for (double w : blend.weights()) EXPECT_GE(w, 0);
}

TEST(SignalBlendTest, IgnoresStepsWithoutAChoiceAmongCandidates) {
  const std::vector<BlendFeatures> candidates = {{1.0, 0.0, 0.0}, {0.5, 1.0, 1.0}};
  SignalBlend blend;
  const auto before = blend.weights();
  blend.Learn(candidates, 2);                  // chosen item not a candidate
  blend.Learn(absl::MakeConstSpan(candidates).subspan(0, 1), 0);  // nothing to rank
  EXPECT_EQ(blend.weights(), before);
}

TEST(SignalBlendTest, RestoresOnlyValidWeights) {
  SignalBlend blend;
  const auto defaults = blend.weights();
  const std::vector<double> too_few = {1, 2};
  const std::vector<double> negative = {1, -1, 0};
  const std::vector<double> not_a_number = {1, std::numeric_limits<double>::quiet_NaN(), 0};
  blend.Restore(too_few);
  blend.Restore(negative);
  blend.Restore(not_a_number);
  EXPECT_EQ(blend.weights(), defaults);
  const std::vector<double> learned = {3, 2, 1};
  blend.Restore(learned);
  EXPECT_EQ(blend.weights()[kCollaborative], 3);
  EXPECT_EQ(blend.weights()[kTrending], 2);
  EXPECT_EQ(blend.weights()[kPopularity], 1);
}

}  // namespace
}  // namespace recloop
