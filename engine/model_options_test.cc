#include "engine/model_options.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

TEST(ModelOptionsTest, EventWeightsFollowTypesAndThreshold) {
  ModelOptions o;
  EXPECT_DOUBLE_EQ(o.EventWeight("click", absl::nullopt), 1) << "no types: every event counts";
  o.event_types = {{"click", 1}, {"purchase", 3}};
  o.event_value_threshold = 2.5;
  EXPECT_DOUBLE_EQ(o.EventWeight("purchase", absl::nullopt), 3);
  EXPECT_DOUBLE_EQ(o.EventWeight("view", absl::nullopt), 0) << "unlisted types are ignored";
  EXPECT_DOUBLE_EQ(o.EventWeight("click", 2.0f), 0) << "below the threshold";
  EXPECT_DOUBLE_EQ(o.EventWeight("click", 2.5f), 1);
}

TEST(ModelOptionsTest, RecipesIncludingPersonalizesNames) {
  EXPECT_EQ(*ParseRecipe(""), Recipe::kUserPersonalization);
  EXPECT_EQ(*ParseRecipe("user-personalization"), Recipe::kUserPersonalization);
  EXPECT_EQ(*ParseRecipe("aws-user-personalization"), Recipe::kUserPersonalization);
  EXPECT_EQ(*ParseRecipe("similar-items"), Recipe::kSimilarItems);
  EXPECT_EQ(*ParseRecipe("aws-popularity-count"), Recipe::kPopularityCount);
  EXPECT_EQ(*ParseRecipe("trending-now"), Recipe::kTrendingNow);
  EXPECT_EQ(*ParseRecipe("personalized-ranking"), Recipe::kPersonalizedRanking);
  auto bad = ParseRecipe("hrnn");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("recipe: unknown"));
}

}  // namespace
}  // namespace recloop
