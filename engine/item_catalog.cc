#include "engine/item_catalog.h"

#include <cmath>

#include "engine/signal_blend.h"

namespace recloop {

uint32_t ItemCatalog::Find(absl::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? kNone : it->second;
}

uint32_t ItemCatalog::Add(absl::string_view id, int64_t first_seen_micros) {
  const uint32_t i = static_cast<uint32_t>(items_.size());
  Resize(i + 1);
  items_[i].id = std::string(id);
  items_[i].first_seen_micros = first_seen_micros;
  index_.emplace(std::string(id), i);
  return i;
}

void ItemCatalog::Resize(size_t n) {
  items_.resize(n);
  inverse_norms_.resize(n, 0);
  log_weights_.resize(n, 0);
  log_demotions_.resize(n, 0);
}

void ItemCatalog::SetWeight(uint32_t i, double weight) {
  items_[i].weight = weight;
  inverse_norms_[i] = weight > 0 ? 1 / std::sqrt(weight) : 0.0;
  log_weights_[i] = std::log1p(weight);
}

void ItemCatalog::SetDemotion(uint32_t i) {
  log_demotions_[i] =
      std::log(ImpressionDemotion(items_[i].impressions, items_[i].clicks));
}

void ItemCatalog::AddInteraction(uint32_t i, double weight) {
  SetWeight(i, items_[i].weight + weight);
  items_[i].events += 1;
  total_weight_ += weight;
}

void ItemCatalog::AddImpression(uint32_t i, bool chosen) {
  items_[i].impressions += 1;
  if (chosen) items_[i].clicks += 1;
  SetDemotion(i);
}

void ItemCatalog::Restore(uint32_t i, const Item& item) {
  items_[i] = item;
  SetWeight(i, item.weight);
  SetDemotion(i);
  index_[item.id] = i;
  total_weight_ += item.weight;
}

}  // namespace recloop
