#include "engine/model_options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace recloop {

absl::StatusOr<Recipe> ParseRecipe(absl::string_view name) {
  absl::string_view bare = name;
  if (absl::StartsWith(bare, "aws-")) bare.remove_prefix(4);
  if (bare.empty() || bare == "user-personalization") return Recipe::kUserPersonalization;
  if (bare == "similar-items") return Recipe::kSimilarItems;
  if (bare == "popularity-count") return Recipe::kPopularityCount;
  if (bare == "trending-now") return Recipe::kTrendingNow;
  if (bare == "personalized-ranking") return Recipe::kPersonalizedRanking;
  return absl::InvalidArgumentError(absl::StrCat(
      "recipe: unknown recipe \"", name,
      "\" (user-personalization, similar-items, popularity-count, trending-now, "
      "personalized-ranking)"));
}

const char* RecipeName(Recipe recipe) {
  switch (recipe) {
    case Recipe::kUserPersonalization: return "user-personalization";
    case Recipe::kSimilarItems: return "similar-items";
    case Recipe::kPopularityCount: return "popularity-count";
    case Recipe::kTrendingNow: return "trending-now";
    case Recipe::kPersonalizedRanking: return "personalized-ranking";
  }
  return "?";
}

double ModelOptions::EventWeight(absl::string_view event_type,
                                 absl::optional<float> event_value) const {
  if (event_value_threshold && event_value && *event_value < *event_value_threshold) {
    return 0;
  }
  if (event_types.empty()) return 1;
  auto it = event_types.find(event_type);
  return it == event_types.end() ? 0 : it->second;
}

}  // namespace recloop
