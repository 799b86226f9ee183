#include "engine/item_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/keys.h"
#include "recloop/internal/records.pb.h"

namespace recloop {
namespace {

// Best first; ties broken by index so that results are deterministic.
bool ByScoreDesc(const std::pair<uint32_t, double>& a,
                 const std::pair<uint32_t, double>& b) {
  if (a.second != b.second) return a.second > b.second;
  return a.first < b.first;
}

}  // namespace

ItemModel::ItemModel(const ItemModelOptions& options) : options_(options) {}

absl::Status ItemModel::Load(const Store& store, uint32_t group_id) {
  absl::MutexLock lock(&mu_);
  const std::string prefix = GroupPrefix(group_id);
  auto cursor = store.NewPrefixCursor(Cf::kModel, prefix);
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
    absl::string_view key = cursor->key();
    if (key.size() != prefix.size() + 4) {
      return absl::DataLossError("model record with a malformed key");
    }
    uint32_t index = DecodeFixed32BE(key.data() + prefix.size());
    internal::ItemModelRecord record;
    if (!record.ParseFromArray(cursor->value().data(),
                               static_cast<int>(cursor->value().size())) ||
        record.neighbour_index_size() != record.neighbour_weight_size()) {
      return absl::DataLossError(
          absl::StrCat("model record ", index, " of group ", group_id,
                       " is corrupt"));
    }
    if (index >= items_.size()) items_.resize(index + 1);
    Item& item = items_[index];
    item.id = record.item_id();
    item.first_seen_micros = record.first_seen_micros();
    item.weight = record.weight();
    item.events = record.events();
    item.neighbours.reserve(record.neighbour_index_size());
    for (int i = 0; i < record.neighbour_index_size(); ++i) {
      item.neighbours[record.neighbour_index(i)] = record.neighbour_weight(i);
    }
    index_[item.id] = index;
    total_weight_ += item.weight;
  }
  absl::Status status = cursor->status();
  if (!status.ok()) return status;
  RebuildPopular();
  return absl::OkStatus();
}

std::vector<uint32_t> ItemModel::TakeDirty(uint32_t group_id, WriteBatch* batch) {
  absl::MutexLock lock(&mu_);
  internal::ItemModelRecord record;
  std::string value;
  std::vector<uint32_t> taken(dirty_.begin(), dirty_.end());
  dirty_.clear();
  for (uint32_t index : taken) {
    const Item& item = items_[index];
    record.Clear();
    record.set_item_id(item.id);
    record.set_first_seen_micros(item.first_seen_micros);
    record.set_weight(item.weight);
    record.set_events(item.events);
    for (const auto& [neighbour, weight] : item.neighbours) {
      record.add_neighbour_index(neighbour);
      record.add_neighbour_weight(weight);
    }
    record.SerializeToString(&value);
    batch->Put(Cf::kModel, ModelItemKey(group_id, index), value);
  }
  return taken;
}

void ItemModel::MarkDirty(const std::vector<uint32_t>& indexes) {
  absl::MutexLock lock(&mu_);
  dirty_.insert(indexes.begin(), indexes.end());
}

uint32_t ItemModel::IndexOrAdd(absl::string_view item_id, absl::Time time) {
  auto it = index_.find(item_id);
  if (it != index_.end()) return it->second;
  uint32_t index = static_cast<uint32_t>(items_.size());
  items_.emplace_back();
  items_.back().id = std::string(item_id);
  items_.back().first_seen_micros = absl::ToUnixMicros(time);
  index_.emplace(std::string(item_id), index);
  return index;
}

void ItemModel::AddPair(uint32_t a, uint32_t b, float w) {
  auto& neighbours = items_[a].neighbours;
  neighbours[b] += w;
  dirty_.insert(a);
  const size_t cap = static_cast<size_t>(options_.max_neighbours);
  if (neighbours.size() <= 2 * cap) return;
  // Amortized pruning: let the list grow to twice the cap, then keep the
  // strongest `cap` neighbours.
  std::vector<std::pair<uint32_t, float>> all(neighbours.begin(), neighbours.end());
  std::nth_element(all.begin(), all.begin() + cap, all.end(),
                   [](const auto& x, const auto& y) {
                     if (x.second != y.second) return x.second > y.second;
                     return x.first < y.first;
                   });
  all.resize(cap);
  neighbours.clear();
  for (const auto& [n, weight] : all) neighbours.emplace(n, weight);
}

void ItemModel::Observe(absl::string_view item_id, absl::Time time, double weight,
                        absl::Span<const std::string> window) {
  if (weight <= 0) return;
  absl::MutexLock lock(&mu_);
  const uint32_t target = IndexOrAdd(item_id, time);
  Item& item = items_[target];
  item.weight += weight;
  item.events += 1;
  total_weight_ += weight;
  dirty_.insert(target);

  absl::flat_hash_set<uint32_t> seen;
  seen.insert(target);
  double decay = 1.0;
  int position = 0;
  for (const std::string& other_id : window) {
    if (position >= options_.window) break;
    auto it = index_.find(other_id);
    if (it == index_.end()) continue;  // Not learnable (zero weight so far).
    ++position;
    if (!seen.insert(it->second).second) continue;
    const float w = static_cast<float>(weight * decay);
    AddPair(target, it->second, w);
    AddPair(it->second, target, w);
    decay *= options_.pair_decay;
  }
  UpdatePopular(target);
}

void ItemModel::UpdatePopular(uint32_t index) {
  const size_t pool = static_cast<size_t>(options_.popular_pool);
  auto recompute_min = [&] {
    bool first = true;
    for (uint32_t i : popular_) {
      if (first || items_[i].weight < items_[popular_min_].weight ||
          (items_[i].weight == items_[popular_min_].weight && i > popular_min_)) {
        popular_min_ = i;
        first = false;
      }
    }
  };
  if (popular_.contains(index)) {
    if (index == popular_min_) recompute_min();
    return;
  }
  if (popular_.size() < pool) {
    popular_.insert(index);
    recompute_min();
    return;
  }
  if (items_[index].weight > items_[popular_min_].weight) {
    popular_.erase(popular_min_);
    popular_.insert(index);
    recompute_min();
  }
}

void ItemModel::RebuildPopular() {
  popular_.clear();
  for (uint32_t i = 0; i < items_.size(); ++i) {
    if (!items_[i].id.empty()) UpdatePopular(i);
  }
}

double ItemModel::Similarity(const Item& a, uint32_t b, float co) const {
  const double denom = std::sqrt(a.weight * items_[b].weight);
  return denom > 0 ? co / denom : 0;
}

absl::flat_hash_map<uint32_t, double> ItemModel::ScoreHistory(
    absl::Span<const std::string> history) const {
  absl::flat_hash_map<uint32_t, double> scores;
  absl::flat_hash_set<uint32_t> used;
  double w = 1.0;
  for (const std::string& id : history) {
    if (static_cast<int>(used.size()) >= options_.scoring_history) break;
    auto it = index_.find(id);
    if (it == index_.end() || !used.insert(it->second).second) continue;
    const Item& item = items_[it->second];
    for (const auto& [neighbour, co] : item.neighbours) {
      scores[neighbour] += w * Similarity(item, neighbour, co);
    }
    w *= options_.history_decay;
  }
  return scores;
}

void ItemModel::FillPopular(int n, const absl::flat_hash_set<std::string>& exclude,
                            absl::flat_hash_set<uint32_t>* taken,
                            std::vector<ScoredItem>* out) const {
  if (static_cast<int>(out->size()) >= n) return;
  std::vector<std::pair<uint32_t, double>> ranked;
  ranked.reserve(popular_.size());
  for (uint32_t i : popular_) ranked.emplace_back(i, items_[i].weight);
  std::sort(ranked.begin(), ranked.end(), ByScoreDesc);
  size_t wanted = static_cast<size_t>(n) - out->size();
  // The pool normally suffices; when the exclusions eat it, rank everything.
  size_t usable = 0;
  for (const auto& [i, w] : ranked) {
    if (!taken->contains(i) && !exclude.contains(items_[i].id)) ++usable;
  }
  if (usable < wanted && ranked.size() < items_.size()) {
    ranked.clear();
    for (uint32_t i = 0; i < items_.size(); ++i) {
      if (!items_[i].id.empty()) ranked.emplace_back(i, items_[i].weight);
    }
    std::sort(ranked.begin(), ranked.end(), ByScoreDesc);
  }
  const double total = total_weight_;
  // Popular fill-ins rank below every collaborative candidate already in
  // `out`: their score is their share of all interactions, scaled under the
  // smallest score so far.
  double scale = out->empty() ? 1.0 : std::min(1.0, out->back().score);
  for (const auto& [i, w] : ranked) {
    if (static_cast<int>(out->size()) >= n) break;
    if (taken->contains(i) || exclude.contains(items_[i].id)) continue;
    taken->insert(i);
    out->push_back({items_[i].id, total > 0 ? scale * w / total : 0});
  }
}

std::vector<ScoredItem> ItemModel::RecommendForHistory(
    absl::Span<const std::string> history, int n,
    const absl::flat_hash_set<std::string>& exclude) const {
  absl::ReaderMutexLock lock(&mu_);
  auto scores = ScoreHistory(history);
  std::vector<std::pair<uint32_t, double>> ranked;
  ranked.reserve(scores.size());
  for (const auto& [i, s] : scores) {
    if (s > 0 && !exclude.contains(items_[i].id)) ranked.emplace_back(i, s);
  }
  size_t keep = std::min(ranked.size(), static_cast<size_t>(n));
  std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(), ByScoreDesc);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken;
  for (size_t k = 0; k < keep; ++k) {
    out.push_back({items_[ranked[k].first].id, ranked[k].second});
    taken.insert(ranked[k].first);
  }
  FillPopular(n, exclude, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::RelatedItems(
    absl::string_view item_id, int n,
    const absl::flat_hash_set<std::string>& exclude) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken;
  auto it = index_.find(item_id);
  if (it != index_.end()) {
    taken.insert(it->second);
    const Item& item = items_[it->second];
    std::vector<std::pair<uint32_t, double>> ranked;
    for (const auto& [neighbour, co] : item.neighbours) {
      if (!exclude.contains(items_[neighbour].id)) {
        ranked.emplace_back(neighbour, Similarity(item, neighbour, co));
      }
    }
    size_t keep = std::min(ranked.size(), static_cast<size_t>(n));
    std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                      ByScoreDesc);
    for (size_t k = 0; k < keep; ++k) {
      out.push_back({items_[ranked[k].first].id, ranked[k].second});
      taken.insert(ranked[k].first);
    }
  }
  absl::flat_hash_set<std::string> exclude_with_self = exclude;
  exclude_with_self.insert(std::string(item_id));
  FillPopular(n, exclude_with_self, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Rank(absl::Span<const std::string> history,
                                        absl::Span<const std::string> items) const {
  absl::ReaderMutexLock lock(&mu_);
  auto scores = ScoreHistory(history);
  const double total = total_weight_;
  struct Entry {
    size_t position;
    bool known;
    double score;
  };
  std::vector<Entry> entries;
  entries.reserve(items.size());
  for (size_t p = 0; p < items.size(); ++p) {
    auto it = index_.find(items[p]);
    if (it == index_.end()) {
      entries.push_back({p, false, 0});
      continue;
    }
    auto s = scores.find(it->second);
    double cf = s == scores.end() ? 0 : s->second;
    // Popularity only breaks ties between equal collaborative scores.
    double pop = total > 0 ? items_[it->second].weight / total : 0;
    entries.push_back({p, true, cf + 1e-6 * pop});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.known != b.known) return a.known;
    return a.score > b.score;
  });
  std::vector<ScoredItem> out;
  out.reserve(entries.size());
  for (const Entry& e : entries) out.push_back({items[e.position], e.score});
  return out;
}

std::vector<ScoredItem> ItemModel::Popular(
    int n, const absl::flat_hash_set<std::string>& exclude) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken;
  FillPopular(n, exclude, &taken, &out);
  return out;
}

size_t ItemModel::item_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return index_.size();
}

size_t ItemModel::neighbour_count() const {
  absl::ReaderMutexLock lock(&mu_);
  size_t n = 0;
  for (const Item& item : items_) n += item.neighbours.size();
  return n;
}

}  // namespace recloop
