// Recipes and their configuration: what a recommender learns from, and how
// it serves.
#ifndef RECLOOP_ENGINE_MODEL_OPTIONS_H_
#define RECLOOP_ENGINE_MODEL_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace recloop {

enum class Recipe {
  kUserPersonalization,
  kSimilarItems,
  kPopularityCount,
  kTrendingNow,
  kPersonalizedRanking,
};

// "user-personalization" (also empty and "aws-user-personalization"), ...
absl::StatusOr<Recipe> ParseRecipe(absl::string_view name);
const char* RecipeName(Recipe recipe);

struct ModelOptions {
  // --- From the recommender's configuration (RecommenderConfig in
  // recloop.proto documents each). ---
  double exploration_weight = 0.3;
  double exploration_item_age_cut_off_days = 30;
  // Empty: every event type weighs 1.
  absl::flat_hash_map<std::string, double> event_types;
  absl::optional<double> event_value_threshold;
  bool exclude_interacted = true;
  int history_length = 10;
  double recency_decay = 0.8;
  double trending_half_life_hours = 24;
  uint64_t exploration_seed = 0;

  // --- Engine internals, fixed for now. ---
  // How many of the user's previous items a new interaction pairs with, and
  // how much a pair k positions apart counts (pair_decay^k).
  static constexpr int kDefaultWindow = 50;
  int window = kDefaultWindow;
  double pair_decay = 0.95;
  // Neighbours kept per item.
  int max_neighbours = 200;
  // Size of the incrementally maintained most-popular and trending sets.
  int popular_pool = 1000;

  // How much an event of this type and value teaches the model; 0 means it
  // is ignored for learning.
  double EventWeight(absl::string_view event_type,
                     absl::optional<float> event_value) const;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_MODEL_OPTIONS_H_
