#include "engine/co_occurrence.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::Pair;

class CoOccurrenceTest : public ::testing::Test {
 protected:
  CoOccurrenceTest() : co_(/*max_neighbours=*/2) {}
  void SetUp() override {
    // a weighs 4, b 1, c 9.
    for (const char* id : {"a", "b", "c"}) catalog_.Add(id, 0);
    catalog_.AddInteraction(0, 4);
    catalog_.AddInteraction(1, 1);
    catalog_.AddInteraction(2, 9);
    co_.Resize(3);
  }
  ItemCatalog catalog_;
  CoOccurrence co_;
};

// score(c) = sum h_a co(a, c) / sqrt(weight(a) weight(c)), for every entry
// point.
TEST_F(CoOccurrenceTest, OneCosineFormulaEverywhere) {
  co_.Add(0, 1, 2);  // a -> b
  co_.Add(0, 2, 3);  // a -> c
  co_.Add(2, 1, 1);  // c -> b
  const ScoreList sources = {{0, 0.5}, {2, 1}};
  const double b = 0.5 * 2 / std::sqrt(4 * 1) + 1 * 1 / std::sqrt(9 * 1);
  const double c = 0.5 * 3 / std::sqrt(4 * 9);
  EXPECT_THAT(co_.Score(sources, catalog_),
              ElementsAre(Pair(1, DoubleEq(b)), Pair(2, DoubleEq(c))));
  EXPECT_DOUBLE_EQ(co_.ScoreOf(sources, 1, catalog_), b);
  EXPECT_DOUBLE_EQ(co_.ScoreOf(sources, 2, catalog_), c);
  EXPECT_DOUBLE_EQ(co_.ScoreOf(sources, 0, catalog_), 0) << "not a neighbour";
  EXPECT_THAT(co_.Similar(0, catalog_),
              ElementsAre(Pair(1, DoubleEq(2 / std::sqrt(4.0))),
                          Pair(2, DoubleEq(3 / std::sqrt(36.0)))));
}

TEST_F(CoOccurrenceTest, ListsKeepTheirStrongestPastTwiceTheCap) {
  catalog_.Resize(8);
  co_.Resize(8);
  for (uint32_t i = 1; i <= 4; ++i) co_.Add(0, i, static_cast<float>(i));
  EXPECT_EQ(co_.neighbours(0).size(), 4u) << "pruning is amortized";
  co_.Add(0, 5, 0.5);
  EXPECT_EQ(co_.neighbours(0).size(), 2u);
  EXPECT_FLOAT_EQ(co_.neighbours(0).Weight(4), 4);
  EXPECT_FLOAT_EQ(co_.neighbours(0).Weight(3), 3);
  EXPECT_EQ(co_.neighbour_count(), 2u);
}

TEST_F(CoOccurrenceTest, ItemsWithoutWeightScoreNothing) {
  catalog_.Resize(4);
  co_.Resize(4);
  co_.Add(3, 0, 5);  // item 3 was only ever shown: weight 0
  EXPECT_DOUBLE_EQ(co_.ScoreOf({{3, 1}}, 0, catalog_), 0);
}

}  // namespace
}  // namespace recloop
