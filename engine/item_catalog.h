// ItemCatalog: every item a model knows, by id and by dense index, with its
// interaction and impression counts.
//
// Items get indexes in the order they are first seen, and every other
// component of the model keeps its per-item state in arrays by the same
// index. The values serving reads for thousands of candidates per list
// (1/sqrt(weight), log1p(weight), the log demotion) sit in dense arrays
// beside the records: reading them from the records would be a cache miss
// each.
#ifndef RECLOOP_ENGINE_ITEM_CATALOG_H_
#define RECLOOP_ENGINE_ITEM_CATALOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace recloop {

// Not thread-safe; the owning model locks.
class ItemCatalog {
 public:
  struct Item {
    std::string id;
    int64_t first_seen_micros = 0;
    double weight = 0;  // Sum of interaction weights.
    uint64_t events = 0;
    double impressions = 0;
    double clicks = 0;
  };
  static constexpr uint32_t kNone = ~uint32_t{0};

  // The index of `id`, kNone when unknown.
  uint32_t Find(absl::string_view id) const;
  // Appends an item not in the catalog and returns its index. The caller
  // grows the other components' per-item state to size().
  uint32_t Add(absl::string_view id, int64_t first_seen_micros);
  // Grows (or shrinks) to n items; new ones have no id, weight or
  // impressions.
  void Resize(size_t n);
  size_t size() const { return items_.size(); }
  // Items with an id (Resize can leave gaps until they are restored).
  size_t known() const { return index_.size(); }
  const Item& item(uint32_t i) const { return items_[i]; }

  // An interaction of `weight` with item i.
  void AddInteraction(uint32_t i, double weight);
  // Item i was shown; `chosen` when it is the item the event chose.
  void AddImpression(uint32_t i, bool chosen);
  // Sets item i as checkpointed (i < size(), not set before).
  void Restore(uint32_t i, const Item& item);

  double total_weight() const { return total_weight_; }
  // Replaces the sum the restored items added up to with the exact one.
  void RestoreTotalWeight(double total) { total_weight_ = total; }
  // 1 / sqrt(weight), 0 for weight 0: the cosine normalization.
  double inverse_norm(uint32_t i) const { return inverse_norms_[i]; }
  // log1p(weight): the popularity signal.
  double log_weight(uint32_t i) const { return log_weights_[i]; }
  // log(ImpressionDemotion) of the item's impressions and clicks.
  double log_demotion(uint32_t i) const { return log_demotions_[i]; }

 private:
  void SetWeight(uint32_t i, double weight);
  void SetDemotion(uint32_t i);

  std::vector<Item> items_;
  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<double> inverse_norms_;
  std::vector<double> log_weights_;
  std::vector<double> log_demotions_;
  double total_weight_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_ITEM_CATALOG_H_
