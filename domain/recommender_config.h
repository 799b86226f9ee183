// The API's recommender configuration, as engine options.
#ifndef RECLOOP_DOMAIN_RECOMMENDER_CONFIG_H_
#define RECLOOP_DOMAIN_RECOMMENDER_CONFIG_H_

#include "absl/status/statusor.h"
#include "engine/model_options.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop {

// Validates `config` and applies the defaults. Errors are INVALID_ARGUMENT
// naming the field: "config.exploration_weight: must be in [0, 1]".
absl::StatusOr<ModelOptions> ModelOptionsFromConfig(const v1::RecommenderConfig& config);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECOMMENDER_CONFIG_H_
