#include "domain/recommender_resource.h"

#include <utility>

#include "common/status_macros.h"
#include "domain/recommender_config.h"

namespace recloop {

absl::string_view RecommenderStatusName(RecommenderStatus status) {
  switch (status) {
    case RecommenderStatus::kCreateInProgress:
      return kCreateInProgress;
    case RecommenderStatus::kActive:
      return kActive;
    case RecommenderStatus::kCreateFailed:
      return kCreateFailed;
  }
  return kActive;
}

absl::StatusOr<std::unique_ptr<RecommenderResource>> RecommenderResource::Create(
    const v1::Recommender& description, uint32_t id) {
  ASSIGN_OR_RETURN(Recipe recipe, ParseRecipe(description.recipe()));
  ASSIGN_OR_RETURN(ModelOptions options, ModelOptionsFromConfig(description.config()));
  RecommenderStatus status = RecommenderStatus::kActive;
  if (description.status() == kCreateInProgress) {
    status = RecommenderStatus::kCreateInProgress;
  } else if (description.status() == kCreateFailed) {
    status = RecommenderStatus::kCreateFailed;
  }
  auto resource = std::unique_ptr<RecommenderResource>(
      new RecommenderResource(description, id, recipe, options, status));
  if (status == RecommenderStatus::kCreateFailed) {
    absl::MutexLock lock(&resource->mu_);
    resource->failure_reason_ = description.failure_reason();
  }
  return resource;
}

v1::Recommender RecommenderResource::description() const {
  v1::Recommender description = description_;
  description.set_status(std::string(RecommenderStatusName(status())));
  absl::MutexLock lock(&mu_);
  if (status() == RecommenderStatus::kCreateFailed) {
    description.set_failure_reason(failure_reason_);
  } else {
    description.clear_failure_reason();
  }
  return description;
}

void RecommenderResource::Activate(uint64_t trained_through) {
  trained_through_.store(trained_through);
  status_.store(RecommenderStatus::kActive);
}

void RecommenderResource::Fail(std::string reason) {
  absl::MutexLock lock(&mu_);
  failure_reason_ = std::move(reason);
  status_.store(RecommenderStatus::kCreateFailed);
}

}  // namespace recloop
