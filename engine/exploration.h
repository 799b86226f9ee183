// Exploration: a share of a user-personalization list goes to new items,
// so that items nobody has interacted with yet get the impressions they
// need to be learned.
//
// Each list position goes, with probability exploration_weight, to an item
// younger than the age cut-off, chosen by Thompson sampling of its
// click-through rate: items with few impressions are uncertain and often
// win, items shown often and seldom chosen rarely do.
#ifndef RECLOOP_ENGINE_EXPLORATION_H_
#define RECLOOP_ENGINE_EXPLORATION_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/model_types.h"

namespace recloop {

// An item exploration may show, with what its impressions taught so far.
struct NewItem {
  std::string item_id;
  double impressions;
  double clicks;
};

// Thread-safe.
class Explorer {
 public:
  // `seed` 0 draws a random seed; any other value makes the choices
  // reproducible.
  Explorer(double exploration_weight, uint64_t seed);

  // Gives positions of `list` (n long at most) to items of `pool` not
  // already in it; a new item takes the score of the item it displaces.
  void Explore(const std::vector<NewItem>& pool, int n, std::vector<ScoredItem>* list);

 private:
  const double weight_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace recloop

#endif  // RECLOOP_ENGINE_EXPLORATION_H_
