// The flags that choose what a replay streams, shared by recloop-replay and
// recloop-engine-replay so that both read the same events in the same order
// from the same command line.
#ifndef RECLOOP_BENCH_REPLAY_LOG_FLAGS_H_
#define RECLOOP_BENCH_REPLAY_LOG_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "bench/interaction_log.h"

ABSL_DECLARE_FLAG(std::string, format);
ABSL_DECLARE_FLAG(std::string, input);
ABSL_DECLARE_FLAG(int64_t, limit);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, cite);

namespace recloop {

// Which events cite the recommendation id of the list the first recipe
// served just before them, so that the list becomes their implicit
// impression: none, hits (events whose item was in the list, what a client
// citing the list a click came from does) or all.
enum class Citation { kNone, kHits, kAll };
absl::StatusOr<Citation> CitationFromFlags();

// The interaction log --format (tsv, csv or synthetic) and --input name, in
// replay order, cut to --limit events.
absl::StatusOr<std::vector<LoggedInteraction>> ReplayLogFromFlags();

// What both replays stream: the log and which of its events cite lists.
struct ReplayInput {
  std::vector<LoggedInteraction> log;
  Citation citation;
};
// ReplayLogFromFlags and CitationFromFlags; on a bad flag or an unreadable
// log, prints the error after `program` and returns nothing.
absl::optional<ReplayInput> ReplayInputFromFlags(const char* program);

}  // namespace recloop

#endif  // RECLOOP_BENCH_REPLAY_LOG_FLAGS_H_
