// Negative draws: the items a learning step weighs the chosen item against.
//
// Draws are a function of a SplitMix64 state seeded from the event (its
// time and item), never of a process-wide generator, so that replaying the
// journal into a model restored from its checkpoint repeats every draw.
#ifndef RECLOOP_ENGINE_NEGATIVE_DRAWS_H_
#define RECLOOP_ENGINE_NEGATIVE_DRAWS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/item_catalog.h"
#include "engine/neighbour_list.h"

namespace recloop {

// The initial state for an event's draws; `salt` separates the draws of
// different learners for the same event.
uint64_t DrawState(int64_t micros, uint32_t target, uint64_t salt = 0);

// Appends up to `count` draws of a uniformly drawn entry of a uniformly
// drawn one of `lists`, skipping `target`. Entries are drawn by position:
// lists are in index order, so a restored list draws the same.
void DrawNeighbours(absl::Span<const NeighbourList* const> lists, uint32_t target,
                    int count, uint64_t* state, std::vector<uint32_t>* out);

// Appends up to `count` items drawn uniformly among the catalog's items
// with interactions, skipping `target`, in at most `max_tries` draws (so a
// catalog of mostly impressed-only items cannot make it loop long).
void DrawUniform(const ItemCatalog& catalog, uint32_t target, int count, int max_tries,
                 uint64_t* state, std::vector<uint32_t>* out);

}  // namespace recloop

#endif  // RECLOOP_ENGINE_NEGATIVE_DRAWS_H_
