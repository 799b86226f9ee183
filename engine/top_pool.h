// TopPool keeps the `capacity` largest of a set of scores that only grow
// (interaction counts, scaled trend scores), without ever sorting them all.
#ifndef RECLOOP_ENGINE_TOP_POOL_H_
#define RECLOOP_ENGINE_TOP_POOL_H_

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace recloop {

// Not thread-safe; the owning model locks.
class TopPool {
 public:
  explicit TopPool(size_t capacity) : capacity_(capacity) {}

  // Records that `index` now scores `score`, which is at least its previous
  // score. Scores of indexes outside the pool never shrink either, so an
  // index enters exactly when it passes the pool's smallest member.
  void Update(uint32_t index, double score) {
    ++version_;
    auto it = members_.find(index);
    if (it != members_.end()) {
      it->second = score;
      if (index == min_index_) RecomputeMin();
      return;
    }
    if (members_.size() < capacity_) {
      members_.emplace(index, score);
      if (members_.size() == 1 || Less(index, score, min_index_, min_score_)) {
        min_index_ = index;
        min_score_ = score;
      }
      return;
    }
    if (Less(min_index_, min_score_, index, score)) {
      members_.erase(min_index_);
      members_.emplace(index, score);
      RecomputeMin();
    }
  }

  // Members best first (ties by smaller index).
  std::vector<std::pair<uint32_t, double>> Sorted() const {
    std::vector<std::pair<uint32_t, double>> out(members_.begin(), members_.end());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return Less(b.first, b.second, a.first, a.second);
    });
    return out;
  }

  // The k best members, best first (ties by smaller index).
  std::vector<std::pair<uint32_t, double>> Best(size_t k) const {
    std::vector<std::pair<uint32_t, double>> out(members_.begin(), members_.end());
    k = std::min(k, out.size());
    std::partial_sort(out.begin(), out.begin() + k, out.end(), [](const auto& a, const auto& b) {
      return Less(b.first, b.second, a.first, a.second);
    });
    out.resize(k);
    return out;
  }

  // Multiplies every score (for rescaling trend scores).
  void Scale(double factor) {
    ++version_;
    for (auto& [index, score] : members_) score *= factor;
    min_score_ *= factor;
  }

  void Clear() {
    ++version_;
    members_.clear();
  }
  // Changes whenever the members or their scores may have changed.
  uint64_t version() const { return version_; }
  size_t size() const { return members_.size(); }

 private:
  // Orders by score, then prefers the smaller index as the larger entry.
  static bool Less(uint32_t a, double sa, uint32_t b, double sb) {
    if (sa != sb) return sa < sb;
    return a > b;
  }
  void RecomputeMin() {
    bool first = true;
    for (const auto& [index, score] : members_) {
      if (first || Less(index, score, min_index_, min_score_)) {
        min_index_ = index;
        min_score_ = score;
        first = false;
      }
    }
  }

  size_t capacity_;
  absl::flat_hash_map<uint32_t, double> members_;
  uint64_t version_ = 0;
  uint32_t min_index_ = 0;
  double min_score_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_TOP_POOL_H_
