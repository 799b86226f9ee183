#include "domain/recommender_resource.h"

#include "common/status_macros.h"
#include "domain/recommender_config.h"

namespace recloop {

absl::StatusOr<std::unique_ptr<RecommenderResource>> RecommenderResource::Create(
    const v1::Recommender& description, uint32_t id) {
  ASSIGN_OR_RETURN(Recipe recipe, ParseRecipe(description.recipe()));
  ASSIGN_OR_RETURN(ModelOptions options, ModelOptionsFromConfig(description.config()));
  return std::unique_ptr<RecommenderResource>(
      new RecommenderResource(description, id, recipe, options));
}

}  // namespace recloop
