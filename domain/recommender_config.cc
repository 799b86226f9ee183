#include "domain/recommender_config.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace recloop {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("config.", field, ": ", problem));
}

}  // namespace

absl::StatusOr<ModelOptions> ModelOptionsFromConfig(const v1::RecommenderConfig& config) {
  ModelOptions o;
  if (config.has_exploration_weight()) {
    const double w = config.exploration_weight();
    if (!(w >= 0 && w <= 1)) return Invalid("exploration_weight", "must be in [0, 1]");
    o.exploration_weight = w;
  }
  if (config.has_exploration_item_age_cut_off_days()) {
    const double d = config.exploration_item_age_cut_off_days();
    if (!(d > 0 && d <= 36500)) {
      return Invalid("exploration_item_age_cut_off_days", "must be in (0, 36500]");
    }
    o.exploration_item_age_cut_off_days = d;
  }
  for (const auto& [type, weight] : config.event_types()) {
    const std::string field = absl::StrCat("event_types[", type, "]");
    if (type.empty() || type.size() > 256) {
      return Invalid("event_types", "event types must be 1-256 characters");
    }
    if (!(weight >= 0 && std::isfinite(weight))) {
      return Invalid(field, "weight must be a finite number >= 0");
    }
    o.event_types[type] = weight;
  }
  if (!config.event_types().empty()) {
    bool any = false;
    for (const auto& [type, weight] : o.event_types) any |= weight > 0;
    if (!any) return Invalid("event_types", "at least one weight must be positive");
  }
  if (config.has_event_value_threshold()) {
    if (!std::isfinite(config.event_value_threshold())) {
      return Invalid("event_value_threshold", "must be a finite number");
    }
    o.event_value_threshold = config.event_value_threshold();
  }
  if (config.has_exclude_interacted()) o.exclude_interacted = config.exclude_interacted();
  if (config.has_history_length()) {
    if (config.history_length() < 1 || config.history_length() > 500) {
      return Invalid("history_length", "must be 1-500");
    }
    o.history_length = config.history_length();
  }
  if (config.has_recency_decay()) {
    const double d = config.recency_decay();
    if (!(d > 0 && d <= 1)) return Invalid("recency_decay", "must be in (0, 1]");
    o.recency_decay = d;
  }
  if (config.has_trending_half_life_hours()) {
    const double h = config.trending_half_life_hours();
    if (!(h > 0 && h <= 24 * 3650)) {
      return Invalid("trending_half_life_hours", "must be in (0, 87600]");
    }
    o.trending_half_life_hours = h;
  }
  if (config.has_exploration_seed()) o.exploration_seed = config.exploration_seed();
  return o;
}

}  // namespace recloop
