#include "bench/replay_log_flags.h"

#include <iostream>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"

ABSL_FLAG(std::string, format, "tsv", "tsv, csv or synthetic (recloop-replay: also mind)");
ABSL_FLAG(std::string, input, "", "the log (not needed for synthetic)");
ABSL_FLAG(int64_t, limit, 0, "replay only the first N events (0: all)");
ABSL_FLAG(uint64_t, seed, 1, "exploration seed and synthetic data seed");
ABSL_FLAG(std::string, cite, "none",
          "none, hits or all: which events cite the first recipe's served list "
          "(its recommendation id), making it their implicit impression");
ABSL_FLAG(int, synthetic_users, 400, "synthetic: users");
ABSL_FLAG(int, synthetic_items, 300, "synthetic: items");
ABSL_FLAG(int, synthetic_events_per_user, 20, "synthetic: events per user");
ABSL_FLAG(int, synthetic_clusters, 10, "synthetic: taste clusters");

namespace recloop {

absl::StatusOr<Citation> CitationFromFlags() {
  const std::string cite = absl::GetFlag(FLAGS_cite);
  if (cite == "none") return Citation::kNone;
  if (cite == "hits") return Citation::kHits;
  if (cite == "all") return Citation::kAll;
  return absl::InvalidArgumentError("--cite: none, hits or all");
}

absl::StatusOr<std::vector<LoggedInteraction>> ReplayLogFromFlags() {
  std::vector<LoggedInteraction> log;
  if (absl::GetFlag(FLAGS_format) == "synthetic") {
    SyntheticLogOptions synthetic;
    synthetic.users = absl::GetFlag(FLAGS_synthetic_users);
    synthetic.items = absl::GetFlag(FLAGS_synthetic_items);
    synthetic.events_per_user = absl::GetFlag(FLAGS_synthetic_events_per_user);
    synthetic.clusters = absl::GetFlag(FLAGS_synthetic_clusters);
    synthetic.seed = absl::GetFlag(FLAGS_seed);
    log = SynthesizeInteractionLog(synthetic);
  } else {
    absl::StatusOr<std::vector<LoggedInteraction>> read =
        ReadInteractionLog(absl::GetFlag(FLAGS_format), absl::GetFlag(FLAGS_input));
    if (!read.ok()) return read.status();
    log = *std::move(read);
  }
  SortForReplay(&log);
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit > 0 && static_cast<int64_t>(log.size()) > limit) log.resize(limit);
  return log;
}

absl::optional<ReplayInput> ReplayInputFromFlags(const char* program) {
  absl::StatusOr<std::vector<LoggedInteraction>> log = ReplayLogFromFlags();
  if (!log.ok()) {
    std::cerr << program << ": " << log.status().message() << "\n";
    return absl::nullopt;
  }
  const absl::StatusOr<Citation> citation = CitationFromFlags();
  if (!citation.ok()) {
    std::cerr << program << ": " << citation.status().message() << "\n";
    return absl::nullopt;
  }
  return ReplayInput{*std::move(log), *citation};
}

}  // namespace recloop
