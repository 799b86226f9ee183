#include "engine/negative_draws.h"

#include "common/split_mix.h"

namespace recloop {

uint64_t DrawState(int64_t micros, uint32_t target, uint64_t salt) {
  return SplitMix64(static_cast<uint64_t>(micros) ^ (uint64_t{target} << 32) ^ salt);
}

void DrawNeighbours(absl::Span<const NeighbourList* const> lists, uint32_t target,
                    int count, uint64_t* state, std::vector<uint32_t>* out) {
  if (lists.empty()) return;
  for (int k = 0; k < count; ++k) {
    // By position, not "the first entry after a random index": that
    // favoured items after gaps in the indexes (-0.0022 HR@10 on ML-100k).
    *state = SplitMix64(*state);
    const NeighbourList& list = *lists[*state % lists.size()];
    if (list.size() == 0) continue;
    *state = SplitMix64(*state);
    const uint32_t i = list.entries()[*state % list.size()].index;
    if (i != target) out->push_back(i);
  }
}

void DrawUniform(const ItemCatalog& catalog, uint32_t target, int count, int max_tries,
                 uint64_t* state, std::vector<uint32_t>* out) {
  const uint64_t n = catalog.size();
  const size_t wanted = out->size() + static_cast<size_t>(count);
  for (int tries = 0; tries < max_tries && out->size() < wanted; ++tries) {
    *state = SplitMix64(*state);
    const uint32_t i = static_cast<uint32_t>(*state % n);
    // log_weight is dense: the item record would be a cache miss per draw.
    if (i != target && catalog.log_weight(i) > 0) out->push_back(i);
  }
}

}  // namespace recloop
