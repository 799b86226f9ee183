#include "domain/recommender_config.h"

#include <string>

#include "domain/recommender_resource.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

using ::testing::HasSubstr;

void ExpectInvalid(const v1::RecommenderConfig& config, const std::string& message) {
  auto options = ModelOptionsFromConfig(config);
  ASSERT_FALSE(options.ok()) << config.DebugString();
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(options.status().message()), HasSubstr(message));
}

TEST(RecommenderConfigTest, DefaultsFollowPersonalize) {
  auto o = ModelOptionsFromConfig(v1::RecommenderConfig());
  ASSERT_TRUE(o.ok());
  EXPECT_DOUBLE_EQ(o->exploration_weight, 0.3);
  EXPECT_DOUBLE_EQ(o->exploration_item_age_cut_off_days, 30);
  EXPECT_TRUE(o->exclude_interacted);
  EXPECT_TRUE(o->event_types.empty());
  EXPECT_FALSE(o->event_value_threshold.has_value());
  EXPECT_EQ(o->history_length, 10);
  EXPECT_DOUBLE_EQ(o->recency_decay, 0.8);
  EXPECT_DOUBLE_EQ(o->trending_half_life_hours, 24);
  EXPECT_EQ(o->EventWeight("anything", absl::nullopt), 1);
}

TEST(RecommenderConfigTest, EveryFieldIsTakenAndValidated) {
  v1::RecommenderConfig c;
  c.set_exploration_weight(0);
  c.set_exploration_item_age_cut_off_days(7);
  (*c.mutable_event_types())["purchase"] = 3;
  (*c.mutable_event_types())["view"] = 1;
  c.set_event_value_threshold(4);
  c.set_exclude_interacted(false);
  c.set_history_length(25);
  c.set_recency_decay(1);
  c.set_trending_half_life_hours(6);
  c.set_exploration_seed(42);
  auto o = ModelOptionsFromConfig(c);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->exploration_weight, 0);
  EXPECT_EQ(o->exploration_item_age_cut_off_days, 7);
  EXPECT_FALSE(o->exclude_interacted);
  EXPECT_EQ(o->history_length, 25);
  EXPECT_EQ(o->recency_decay, 1);
  EXPECT_EQ(o->trending_half_life_hours, 6);
  EXPECT_EQ(o->exploration_seed, 42u);
  // A purchase counts three views; unlisted types and low values count 0.
  EXPECT_EQ(o->EventWeight("purchase", 5.0f), 3);
  EXPECT_EQ(o->EventWeight("view", absl::nullopt), 1);
  EXPECT_EQ(o->EventWeight("hover", 5.0f), 0);
  EXPECT_EQ(o->EventWeight("purchase", 3.5f), 0);
  EXPECT_EQ(o->EventWeight("purchase", 4.0f), 3);
}

TEST(RecommenderConfigTest, OutOfRangeValuesNameTheField) {
  v1::RecommenderConfig c;
  c.set_exploration_weight(1.5);
  ExpectInvalid(c, "config.exploration_weight: must be in [0, 1]");
  c.set_exploration_weight(-0.1);
  ExpectInvalid(c, "config.exploration_weight");
  c.Clear();
  c.set_exploration_item_age_cut_off_days(0);
  ExpectInvalid(c, "config.exploration_item_age_cut_off_days");
  c.Clear();
  (*c.mutable_event_types())["purchase"] = -1;
  ExpectInvalid(c, "config.event_types[purchase]: weight must be");
  c.Clear();
  (*c.mutable_event_types())["view"] = 0;
  ExpectInvalid(c, "config.event_types: at least one weight must be positive");
  c.Clear();
  (*c.mutable_event_types())[""] = 1;
  ExpectInvalid(c, "config.event_types");
  c.Clear();
  c.set_event_value_threshold(std::numeric_limits<double>::quiet_NaN());
  ExpectInvalid(c, "config.event_value_threshold");
  c.Clear();
  c.set_history_length(0);
  ExpectInvalid(c, "config.history_length: must be 1-500");
  c.set_history_length(501);
  ExpectInvalid(c, "config.history_length");
  c.Clear();
  c.set_recency_decay(0);
  ExpectInvalid(c, "config.recency_decay");
  c.set_recency_decay(1.01);
  ExpectInvalid(c, "config.recency_decay");
  c.Clear();
  c.set_trending_half_life_hours(-1);
  ExpectInvalid(c, "config.trending_half_life_hours");
}

TEST(RecommenderConfigTest, InvalidRecipesAndConfigsAreRejected) {
  v1::Recommender d;
  d.set_name("r");
  d.set_recipe("deep-magic");
  EXPECT_EQ(RecommenderResource::Create(d, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  d.set_recipe("similar-items");
  d.mutable_config()->set_exploration_weight(2);
  EXPECT_EQ(RecommenderResource::Create(d, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  d.mutable_config()->set_exploration_weight(0.5);
  auto created = RecommenderResource::Create(d, 7);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)->id(), 7u);
  EXPECT_EQ((*created)->engine().recipe(), Recipe::kSimilarItems);
  EXPECT_DOUBLE_EQ((*created)->engine().options().exploration_weight, 0.5);
}

}  // namespace
}  // namespace recloop
