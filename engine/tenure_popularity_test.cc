#include "engine/tenure_popularity.h"

#include <limits>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(TenurePopularityTest, StagesDoubleInLength) {
  EXPECT_EQ(TenurePopularity::StageOf(0), 0u);
  EXPECT_EQ(TenurePopularity::StageOf(1), 1u);
  EXPECT_EQ(TenurePopularity::StageOf(2), 1u);
  EXPECT_EQ(TenurePopularity::StageOf(3), 2u);
  EXPECT_EQ(TenurePopularity::StageOf(6), 2u);
  EXPECT_EQ(TenurePopularity::StageOf(7), 3u);
  EXPECT_EQ(TenurePopularity::StageOf(30), 4u);
  EXPECT_EQ(TenurePopularity::StageOf(31), 5u);
  // The last stage holds every longer history.
  EXPECT_EQ(TenurePopularity::StageOf(50), TenurePopularity::kStages - 1);
  EXPECT_EQ(TenurePopularity::StageOf(1u << 20), TenurePopularity::kStages - 1);
}

TEST(TenurePopularityTest, KeepsEachStageApart) {
  TenurePopularity popularity(/*pool=*/10);
  popularity.Resize(3);
  popularity.Add(0, /*stage=*/0, 1);
  popularity.Add(0, 0, 1);
  popularity.Add(1, 0, 1);
  popularity.Add(1, 3, 2);
  popularity.Add(2, 3, 5);
  EXPECT_EQ(popularity.Weight(0, 0), 2);
  EXPECT_EQ(popularity.Weight(0, 3), 0);
  EXPECT_EQ(popularity.Total(0), 3);
  EXPECT_EQ(popularity.Total(3), 7);
  EXPECT_EQ(popularity.Total(1), 0);
  EXPECT_THAT(popularity.Top(0, 5), ElementsAre(Pair(0u, 2.0), Pair(1u, 1.0)));
  EXPECT_THAT(popularity.Top(3, 1), ElementsAre(Pair(2u, 5.0)));
  EXPECT_TRUE(popularity.Top(1, 5).empty());
}

TEST(TenurePopularityTest, ScalingKeepsTheOrderAndTheShares) {
  TenurePopularity popularity(/*pool=*/10);
  popularity.Resize(2);
  popularity.Add(0, 0, 1);
  popularity.Add(1, 0, 3);
  popularity.Scale(0.5);
  EXPECT_EQ(popularity.Weight(0, 0), 0.5);
  EXPECT_EQ(popularity.Total(0), 2);
  // A later interaction, scaled up by the owner, overtakes.
  popularity.Add(0, 0, 4);
  EXPECT_THAT(popularity.Top(0, 2), ElementsAre(Pair(0u, 4.5), Pair(1u, 1.5)));
}

TEST(TenurePopularityTest, RestoresOnlyCompleteValidWeights) {
  TenurePopularity popularity(/*pool=*/10);
  popularity.Resize(2);
  const std::vector<float> good = {4, 0, 1, 0, 0, 2};
  popularity.Restore(0, good);
  EXPECT_EQ(popularity.Weight(0, 0), 4);
  EXPECT_EQ(popularity.Weight(0, 5), 2);
  EXPECT_EQ(popularity.Total(0), 4);
  EXPECT_THAT(popularity.Top(5, 5), ElementsAre(Pair(0u, 2.0)));

  const std::vector<float> absent;  // a checkpoint from before tenure
  const std::vector<float> short_list = {1, 2};
  const std::vector<float> negative = {1, 0, 0, 0, 0, -1};
  const std::vector<float> not_a_number = {1, 0, 0, 0, 0,
                                           std::numeric_limits<float>::quiet_NaN()};
  for (const auto* bad : {&absent, &short_list, &negative, &not_a_number}) {
    popularity.Restore(1, *bad);
  }
  for (size_t stage = 0; stage < TenurePopularity::kStages; ++stage) {
    EXPECT_EQ(popularity.Weight(1, stage), 0) << stage;
  }
  EXPECT_EQ(popularity.Total(0), 4);
}

}  // namespace
}  // namespace recloop
