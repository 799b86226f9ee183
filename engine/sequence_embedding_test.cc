#include "engine/sequence_embedding.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace recloop {
namespace {

using Sources = std::vector<std::pair<uint32_t, double>>;

double ScoreAfter(const SequenceEmbedding& model, uint32_t recent, uint32_t item) {
  SequenceEmbedding::Context context;
  const Sources sources = {{recent, 1.0}};
  EXPECT_TRUE(model.MakeContext(sources, &context));
  return model.Score(context, item);
}

// Every item other than `target`, as the step's negatives.
std::vector<uint32_t> AllBut(uint32_t target, uint32_t n) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < n; ++i) {
    if (i != target) out.push_back(i);
  }
  return out;
}

TEST(SequenceEmbeddingTest, LearnsWhatFollowsWhat) {
  SequenceEmbedding model;
  model.Resize(6);
  for (int round = 0; round < 200; ++round) {
    model.Learn(Sources{{0, 1.0}}, 1, AllBut(1, 6));
    model.Learn(Sources{{2, 1.0}}, 3, AllBut(3, 6));
  }
  EXPECT_GT(ScoreAfter(model, 0, 1), ScoreAfter(model, 0, 3));
  EXPECT_GT(ScoreAfter(model, 2, 3), ScoreAfter(model, 2, 1));
}

// The reason for the model: items followed by the same things get similar
// vectors, so what follows one is predicted after the other, although the
// two were never seen in one sequence.
TEST(SequenceEmbeddingTest, GeneralizesThroughSharedSuccessors) {
  enum : uint32_t { kA, kB, kX, kY, kZ, kW, kCount };
  SequenceEmbedding model;
  model.Resize(kCount);
  for (int round = 0; round < 300; ++round) {
    model.Learn(Sources{{kA, 1.0}}, kX, AllBut(kX, kCount));
    model.Learn(Sources{{kB, 1.0}}, kX, AllBut(kX, kCount));
    model.Learn(Sources{{kA, 1.0}}, kY, AllBut(kY, kCount));
    model.Learn(Sources{{kZ, 1.0}}, kW, AllBut(kW, kCount));
  }
  // B was only ever followed by X; Y (which follows A) now beats W (which
  // follows an unrelated item as often as Y follows A).
  EXPECT_GT(ScoreAfter(model, kB, kY), ScoreAfter(model, kB, kW));
}

TEST(SequenceEmbeddingTest, RecentItemsCountByTheirWeight) {
  SequenceEmbedding model;
  model.Resize(6);
  for (int round = 0; round < 200; ++round) {
    model.Learn(Sources{{0, 1.0}}, 1, AllBut(1, 6));
    model.Learn(Sources{{2, 1.0}}, 3, AllBut(3, 6));
  }
  SequenceEmbedding::Context mostly_zero, mostly_two;
  ASSERT_TRUE(model.MakeContext(Sources{{0, 0.9}, {2, 0.1}}, &mostly_zero));
  ASSERT_TRUE(model.MakeContext(Sources{{0, 0.1}, {2, 0.9}}, &mostly_two));
  EXPECT_GT(model.Score(mostly_zero, 1), model.Score(mostly_zero, 3));
  EXPECT_GT(model.Score(mostly_two, 3), model.Score(mostly_two, 1));
}

// The context adds the average over a longer stretch of history to that of
// the recent items.
TEST(SequenceEmbeddingTest, ContextAddsTheLongerAverage) {
  SequenceEmbedding model;
  model.Resize(4);
  SequenceEmbedding::Context context;
  ASSERT_TRUE(model.MakeContext(Sources{{0, 3.0}}, Sources{{1, 1.0}, {2, 1.0}}, &context));
  for (size_t d = 0; d < SequenceEmbedding::kDims; ++d) {
    const float expected =
        model.input(0)[d] + 0.5f * model.input(1)[d] + 0.5f * model.input(2)[d];
    EXPECT_NEAR(context[d], expected, 1e-6) << d;
  }
  // Either part alone makes a context.
  EXPECT_TRUE(model.MakeContext(Sources{}, Sources{{1, 1.0}}, &context));
  EXPECT_FALSE(model.MakeContext(Sources{}, Sources{{1, 0.0}}, &context));
}

// Two users with the same recent item but different earlier items choose
// differently; only the longer part of the context can tell them apart.
TEST(SequenceEmbeddingTest, EarlierItemsInTheLongerPartPredict) {
  SequenceEmbedding model;
  model.Resize(6);
  const Sources recent = {{0, 1.0}};
  const Sources after_four = {{0, 1.0}, {4, 1.0}};
  const Sources after_five = {{0, 1.0}, {5, 1.0}};
  for (int round = 0; round < 300; ++round) {
    model.Learn(recent, after_four, 1, AllBut(1, 6));
    model.Learn(recent, after_five, 2, AllBut(2, 6));
  }
  SequenceEmbedding::Context four, five;
  ASSERT_TRUE(model.MakeContext(recent, after_four, &four));
  ASSERT_TRUE(model.MakeContext(recent, after_five, &five));
  EXPECT_GT(model.Score(four, 1), model.Score(four, 2));
  EXPECT_GT(model.Score(five, 2), model.Score(five, 1));
}

TEST(SequenceEmbeddingTest, NothingToLearnWithoutRecentItems) {
  SequenceEmbedding model;
  model.Resize(4);
  SequenceEmbedding fresh;
  fresh.Resize(4);
  SequenceEmbedding::Context context;
  EXPECT_FALSE(model.MakeContext(Sources{}, &context));
  EXPECT_FALSE(model.MakeContext(Sources{{1, 0.0}}, &context));
  model.Learn(Sources{}, 1, AllBut(1, 4));
  model.Learn(Sources{{2, 0.0}}, 1, AllBut(1, 4));
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(std::vector<float>(model.output(i).begin(), model.output(i).end()),
              std::vector<float>(fresh.output(i).begin(), fresh.output(i).end()));
    EXPECT_EQ(model.bias(i), fresh.bias(i));
  }
}

// Recovery replays journaled events into a restored model; it must end
// where a model that never stopped ends.
TEST(SequenceEmbeddingTest, InitialVectorsAndRestoreReproduceTheState) {
  SequenceEmbedding a, b;
  a.Resize(5);
  b.Resize(3);
  b.Resize(5);  // Growing in steps gives the same vectors as at once.
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(std::vector<float>(a.input(i).begin(), a.input(i).end()),
              std::vector<float>(b.input(i).begin(), b.input(i).end()));
  }
  a.Learn(Sources{{0, 1.0}, {2, 0.5}}, 1, {3, 4});

  SequenceEmbedding restored;
  restored.Resize(5);
  for (uint32_t i = 0; i < 5; ++i) {
    restored.Restore(i, a.input(i), a.output(i), a.bias(i));
  }
  SequenceEmbedding::Context context;
  ASSERT_TRUE(a.MakeContext(Sources{{0, 1.0}}, &context));
  for (uint32_t i = 0; i < 5; ++i) {
    SequenceEmbedding::Context restored_context;
    ASSERT_TRUE(restored.MakeContext(Sources{{0, 1.0}}, &restored_context));
    EXPECT_EQ(restored.Score(restored_context, i), a.Score(context, i));
  }
}

TEST(SequenceEmbeddingTest, RestoreIgnoresMalformedState) {
  SequenceEmbedding model;
  model.Resize(2);
  const std::vector<float> before(model.input(0).begin(), model.input(0).end());
  std::vector<float> short_vector(SequenceEmbedding::kDims - 1, 0.5f);
  std::vector<float> not_finite(SequenceEmbedding::kDims, 0.5f);
  not_finite[3] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> good(SequenceEmbedding::kDims, 0.5f);
  model.Restore(0, short_vector, good, 0);
  model.Restore(0, good, not_finite, 0);
  model.Restore(0, good, good, std::numeric_limits<float>::infinity());
  model.Restore(7, good, good, 0);  // No such item.
  EXPECT_EQ(std::vector<float>(model.input(0).begin(), model.input(0).end()), before);
  model.Restore(0, good, good, 0.25f);
  EXPECT_EQ(std::vector<float>(model.input(0).begin(), model.input(0).end()), good);
  EXPECT_EQ(model.bias(0), 0.25f);
}

}  // namespace
}  // namespace recloop
