#include "engine/neighbour_list.h"

#include <map>
#include <random>

#include "gtest/gtest.h"

namespace recloop {
namespace {

std::map<uint32_t, float> AsMap(const NeighbourList& list) {
  std::map<uint32_t, float> m;
  for (const auto& e : list.entries()) {
    EXPECT_TRUE(m.emplace(e.index, e.weight).second) << "duplicate " << e.index;
  }
  return m;
}

TEST(NeighbourListTest, AddSumsWeightsPerIndex) {
  NeighbourList list;
  list.Add(7, 1.0f);
  list.Add(3, 2.0f);
  list.Add(7, 0.5f);
  EXPECT_EQ(list.size(), 2u);
  EXPECT_FLOAT_EQ(list.Weight(7), 1.5f);
  EXPECT_FLOAT_EQ(list.Weight(3), 2.0f);
  EXPECT_FLOAT_EQ(list.Weight(4), 0.0f);
}

// Hundreds of distinct indexes, in random order and repeated: every index
// must keep exactly one entry with its full sum, wherever it was inserted.
TEST(NeighbourListTest, MatchesAMapAcrossInserts) {
  std::mt19937 rng(7);
  NeighbourList list;
  std::map<uint32_t, float> expected;
  for (int k = 0; k < 5000; ++k) {
    const uint32_t index = rng() % 700;
    const float w = static_cast<float>(rng() % 4 + 1);
    list.Add(index, w);
    expected[index] += w;
    if (k % 97 == 0) {
      EXPECT_FLOAT_EQ(list.Weight(index), expected[index]);
    }
  }
  EXPECT_EQ(AsMap(list), expected);
}

TEST(NeighbourListTest, KeepStrongestKeepsHeaviestAndLowerIndexOnTies) {
  NeighbourList list;
  for (uint32_t i = 0; i < 100; ++i) list.Add(i, static_cast<float>(i % 10));
  list.KeepStrongest(15);
  // Weight 9: indexes 9, 19, ..., 99 (ten); weight 8: the five lowest of
  // 8, 18, ..., 98.
  std::map<uint32_t, float> expected;
  for (uint32_t i = 9; i < 100; i += 10) expected[i] = 9;
  for (uint32_t i = 8; i < 50; i += 10) expected[i] = 8;
  EXPECT_EQ(AsMap(list), expected);
  // Still updatable after pruning, including pruned indexes coming back.
  list.Add(8, 1.0f);
  list.Add(0, 3.0f);
  EXPECT_FLOAT_EQ(list.Weight(8), 9.0f);
  EXPECT_FLOAT_EQ(list.Weight(0), 3.0f);
  EXPECT_EQ(list.size(), 16u);
}

TEST(NeighbourListTest, KeepStrongestBelowCapKeepsEverything) {
  NeighbourList list;
  list.Add(1, 1.0f);
  list.Add(2, 2.0f);
  list.KeepStrongest(5);
  EXPECT_EQ(list.size(), 2u);
}

// The learned weight belongs to its pair: it sums like the weight, moves
// with the entry through inserts, and is dropped or kept with it.
TEST(NeighbourListTest, LearnedWeightStaysWithItsPair) {
  NeighbourList list;
  for (uint32_t i = 0; i < 100; ++i) list.Add(99 - i, static_cast<float>(i % 10), 0.5f * i);
  list.Add(42, 0.0f, 1.0f);
  ASSERT_NE(list.Find(42), nullptr);
  EXPECT_FLOAT_EQ(list.Find(42)->learned, 0.5f * 57 + 1.0f);
  list.KeepStrongest(10);  // weight 9: i = 9, 19, ..., 99, that is indexes 90, 80, ..., 0
  ASSERT_EQ(list.size(), 10u);
  for (const auto& e : list.entries()) {
    EXPECT_EQ(e.index % 10, 0u);
    EXPECT_FLOAT_EQ(e.learned, 0.5f * (99 - e.index));
  }
  EXPECT_EQ(list.Find(42), nullptr);
}

// Entries are in index order whatever order they came in: a restored list
// (built from a checkpoint's entries) is laid out as the live one was.
TEST(NeighbourListTest, LayoutDependsOnlyOnWhichIndexesArePresent) {
  std::mt19937 rng(3);
  NeighbourList live;
  for (int k = 0; k < 300; ++k) live.Add(rng() % 1000, 1.0f, 0.25f);
  live.KeepStrongest(100);
  for (int k = 0; k < 50; ++k) live.Add(rng() % 1000, 1.0f);
  NeighbourList restored;
  for (const auto& e : live.entries()) restored.Add(e.index, e.weight, e.learned);
  ASSERT_EQ(restored.size(), live.size());
  for (size_t k = 0; k < live.size(); ++k) {
    EXPECT_EQ(restored.entries()[k].index, live.entries()[k].index);
    if (k > 0) {
      EXPECT_LT(live.entries()[k - 1].index, live.entries()[k].index);
    }
  }
}

}  // namespace
}  // namespace recloop
