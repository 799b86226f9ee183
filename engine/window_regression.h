// WindowRegression: learned pair weights that predict a user's next item
// from everything in their window.
//
// Co-occurrence counts how often two items meet in users' windows and
// scores from the user's most recent items; it never learns which pairs
// actually predict what comes next, and a user's older items barely count.
// This is an online sparse linear model in the spirit of SLIM: the score of
// a candidate c for a user whose window (the distinct items among their
// last `window` interactions) is W is
//
//   s(c) = sum over a in W of w_a B[a][c] / sum over a in W of w_a,
//
// where w_a = 1 + 4 * recency_decay^position (position 0: the user's most
// recent item), so every window item counts and the most recent count up to
// five times as much (a plain mean: HR@10 -0.0019 on ML-100k), and B[a][c]
// is stored beside the co-occurrence weight of c in a's neighbour list
// (NeighbourList::Entry::learned). Pairs that never co-occurred weigh 0 and
// are never learned, so memory is bounded by the neighbour cap and pruning
// drops a learned weight with its pair.
//
// Learning is one gradient step per interaction on the softmax likelihood
// of the chosen item against negatives drawn from the window items'
// neighbour lists (the items these weights could have offered instead),
// updating every existing (window item, candidate) entry:
// O(|W| x negatives) lookups, never O(catalog). The window's older items are
// where its value lies: a window of 10 items instead of 50 lost most of the
// gain.
#ifndef RECLOOP_ENGINE_WINDOW_REGRESSION_H_
#define RECLOOP_ENGINE_WINDOW_REGRESSION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/neighbour_list.h"

namespace recloop {

// The step size of a learning step. A candidate's score is an average over
// the window, so each entry moves by at most this much / |W| per step.
inline constexpr double kWindowRegressionRate = 20;

// s(c) for a window whose items' neighbour lists are `rows` (0 for no rows).
// With `row_weights` (one per row), the average is weighted by them.
double WindowRegressionScore(absl::Span<const NeighbourList* const> rows,
                             uint32_t candidate,
                             absl::Span<const double> row_weights = {});

// One learning step: the user whose window items' neighbour lists are
// `rows` chose `target` over `negatives` (which should not contain it;
// repeats count as often as they appear). Only entries that exist move.
// With `row_weights` the scores are the weighted averages, and each row
// moves in proportion to its weight.
void LearnWindowRegression(absl::Span<NeighbourList* const> rows, uint32_t target,
                           absl::Span<const uint32_t> negatives,
                           absl::Span<const double> row_weights = {});

// The weight of the window item at `position` (0: the most recent distinct
// item): 1 + kWindowRegressionRecentBoost * decay^position. Every item
// counts, and the most recent count more.
inline constexpr double kWindowRegressionRecentBoost = 4;
double WindowRegressionRowWeight(size_t position, double decay);

// WindowRegressionScore of each of `candidates` (indexes below `items`) for
// the same rows and row weights, at once: the rows' learned weights add up
// in a dense per-thread array (one pass over each list instead of a search
// per candidate and row). Serving scores thousands of candidates this way.
std::vector<double> WindowRegressionScores(absl::Span<const NeighbourList* const> rows,
                                           absl::Span<const double> row_weights,
                                           absl::Span<const uint32_t> candidates,
                                           size_t items);

}  // namespace recloop

#endif  // RECLOOP_ENGINE_WINDOW_REGRESSION_H_
