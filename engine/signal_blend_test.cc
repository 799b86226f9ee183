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

TEST(SignalBlendTest, RestoresTheDemotionExponentWhenTheCheckpointHasOne) {
  SignalBlend blend;
  EXPECT_EQ(blend.demotion_exponent(), 1);
  const std::vector<double> before_exponents = {3, 2, 1};  // an older checkpoint
  blend.Restore(before_exponents);
  EXPECT_EQ(blend.demotion_exponent(), 1);
  const std::vector<double> out_of_range = {3, 2, 1, -0.5};
  blend.Restore(out_of_range);
  EXPECT_EQ(blend.demotion_exponent(), 1);
  const std::vector<double> with_exponent = {3, 2, 1, 0.25};
  blend.Restore(with_exponent);
  EXPECT_EQ(blend.demotion_exponent(), 0.25);
  // The sequence, tenure and regression weights (added after the exponent)
  // keep their default of 0.
  EXPECT_EQ(blend.weights()[kSequence], 0);
  EXPECT_EQ(blend.weights()[kTenure], 0);
  EXPECT_EQ(blend.weights()[kRegression], 0);
  EXPECT_EQ(blend.Checkpoint(), (std::vector<double>{3, 2, 1, 0.25, 0, 0, 0}));
}

// Checkpoints list signals in the order they were added: the sequence
// weight comes after the demotion exponent, so older checkpoints restore.
TEST(SignalBlendTest, RestoresTheSequenceWeightAfterTheExponent) {
  SignalBlend blend;
  const std::vector<double> before_tenure = {3, 2, 1, 0.25, 1.5};
  blend.Restore(before_tenure);
  EXPECT_EQ(blend.weights()[kCollaborative], 3);
  EXPECT_EQ(blend.weights()[kSequence], 1.5);
  EXPECT_EQ(blend.weights()[kTenure], 0);
  EXPECT_EQ(blend.demotion_exponent(), 0.25);

  const std::vector<double> before_regression = {3, 2, 1, 0.25, 1.5, 0.75};
  blend.Restore(before_regression);
  EXPECT_EQ(blend.weights()[kTenure], 0.75);
  EXPECT_EQ(blend.weights()[kRegression], 0);

  const std::vector<double> current = {3, 2, 1, 0.25, 1.5, 0.75, 2.5};
  blend.Restore(current);
  EXPECT_EQ(blend.weights()[kRegression], 2.5);
  EXPECT_EQ(blend.Checkpoint(), current);

  SignalBlend fresh;
  const std::vector<double> sequence_out_of_range = {3, 2, 1, 0.25, -1};
  fresh.Restore(sequence_out_of_range);
  const std::vector<double> too_many = {3, 2, 1, 0.25, 1.5, 0.75, 2.5, 1};
  fresh.Restore(too_many);
  EXPECT_EQ(fresh.Checkpoint(), SignalBlend().Checkpoint());
}

// The signals added after the first three start unweighted and earn weight
// only where the chosen items are the ones they score high.
TEST(SignalBlendTest, LaterSignalsEarnWeightOnlyWhereTheyPredictChoices) {
  for (BlendSignal signal : {kSequence, kTenure, kRegression}) {
    SCOPED_TRACE(signal);
    BlendFeatures low{}, high{};
    low[kCollaborative] = high[kCollaborative] = 1.0;
    low[signal] = 0.2;
    high[signal] = 1.0;
    const std::vector<BlendFeatures> candidates = {low, high};
    SignalBlend predictive;
    EXPECT_EQ(predictive.weights()[signal], 0);
    for (int step = 0; step < 200; ++step) predictive.Learn(candidates, 1);
    EXPECT_GT(predictive.weights()[signal], 0.5);
    for (BlendSignal other : {kSequence, kTenure, kRegression}) {
      if (other != signal) {
        EXPECT_EQ(predictive.weights()[other], 0);
      }
    }

    SignalBlend misleading;
    for (int step = 0; step < 200; ++step) misleading.Learn(candidates, 0);
    EXPECT_EQ(misleading.weights()[signal], 0);
  }
}

// Two equally scored candidates, the first demoted to 0.2 (shown often,
// seldom chosen). Which one users choose decides how much demotion counts.
TEST(SignalBlendTest, DemotionSharpensWhereDemotedItemsAreSkipped) {
  const std::vector<BlendFeatures> candidates = {{1.0, 0.5, 0.5}, {1.0, 0.5, 0.5}};
  const std::vector<double> log_demotions = {std::log(0.2), 0};
  SignalBlend blend;
  const double undemoted = blend.Score(candidates[0]);
  EXPECT_NEAR(blend.Score(candidates[0], log_demotions[0]), 0.2 * undemoted, 1e-9);
  for (int step = 0; step < 200; ++step) blend.Learn(candidates, log_demotions, 1);
  EXPECT_GT(blend.demotion_exponent(), 1);
  EXPECT_LT(blend.Score(candidates[0], log_demotions[0]), 0.2 * undemoted);
}

TEST(SignalBlendTest, DemotionFadesWhereDemotedItemsAreChosenAnyway) {
  const std::vector<BlendFeatures> candidates = {{1.0, 0.5, 0.5}, {1.0, 0.5, 0.5}};
  const std::vector<double> log_demotions = {std::log(0.2), 0};
  SignalBlend blend;
  for (int step = 0; step < 200; ++step) blend.Learn(candidates, log_demotions, 0);
  EXPECT_LT(blend.demotion_exponent(), 0.5);
  EXPECT_GE(blend.demotion_exponent(), 0);
  // The signal weights learn as without demotion: equal features, no step.
  const SignalBlend fresh;
  EXPECT_EQ(blend.weights(), fresh.weights());
}

}  // namespace
}  // namespace recloop
