// Interaction logs for the replay benchmarks: MovieLens files and a
// synthetic generator, put in the order the replays stream them.
#ifndef RECLOOP_BENCH_INTERACTION_LOG_H_
#define RECLOOP_BENCH_INTERACTION_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace recloop {

struct LoggedInteraction {
  int64_t ts;  // unix seconds
  std::string user;
  std::string item;
  double value;
  bool has_value;
};

// Reads "tsv" (MovieLens u.data: user TAB item TAB rating TAB unix-seconds)
// or "csv" (ratings.csv: userId,movieId,rating,timestamp, with a header).
// Malformed lines are skipped. NOT_FOUND when the file cannot be opened,
// INVALID_ARGUMENT for another format.
absl::StatusOr<std::vector<LoggedInteraction>> ReadInteractionLog(absl::string_view format,
                                                                  const std::string& path);

struct SyntheticLogOptions {
  int users = 400;
  int items = 300;
  int events_per_user = 20;
  int clusters = 10;
  uint64_t seed = 1;
};

// Users belong to taste clusters; each picks mostly from its cluster's
// items, Zipf-popular within the cluster, sometimes from anywhere. A model
// that learns co-occurrence finds the clusters; popularity cannot.
std::vector<LoggedInteraction> SynthesizeInteractionLog(const SyntheticLogOptions& options);

// Timestamp order, ties broken by user id, then item id (numeric ids
// compare numerically, as the published baselines do).
void SortForReplay(std::vector<LoggedInteraction>* log);

}  // namespace recloop

#endif  // RECLOOP_BENCH_INTERACTION_LOG_H_
