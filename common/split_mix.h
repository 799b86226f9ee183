// SplitMix64: a fixed, well-mixed 64-bit hash. For values that must be
// reproducible across processes (absl::Hash is seeded per process), such as
// the engine's hashed initial vectors and sampled negatives, which a
// journal replay after a restart must repeat exactly.
#ifndef RECLOOP_COMMON_SPLIT_MIX_H_
#define RECLOOP_COMMON_SPLIT_MIX_H_

#include <cstdint>

namespace recloop {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace recloop

#endif  // RECLOOP_COMMON_SPLIT_MIX_H_
