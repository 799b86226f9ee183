// Learner: teaches a dataset group's recommenders its stored events, each
// with the window of the same identity's earlier events.
#ifndef RECLOOP_DOMAIN_LEARNER_H_
#define RECLOOP_DOMAIN_LEARNER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/event_log.h"
#include "domain/learning_windows.h"
#include "domain/recommender_resource.h"
#include "domain/registry.h"

namespace recloop {

// How many of an identity's earlier events a new one is learned with: the
// engine's window.
inline constexpr size_t kLearningWindow = ModelOptions::kDefaultWindow;

// Thread-safe; the caller serializes Learn calls of the same identity.
class Learner {
 public:
  // Learn with `call_last_seq` kNoCache reads the window from the store,
  // without the cache.
  static constexpr uint64_t kNoCache = ~uint64_t{0};

  // Events are learned at their sent_at, but no later than their
  // received_at plus `max_clock_skew` (not negative).
  Learner(const EventLog* events, LearningWindows* windows, absl::Duration max_clock_skew)
      : events_(events), windows_(windows), max_clock_skew_(max_clock_skew) {}

  // Teaches the group's ACTIVE recommenders one stored event of `identity`
  // (those activated after it was stored learned it already; those still
  // being created learn it from the journal). The same call's later events,
  // stored but not yet learned, have sequence numbers up to `call_last_seq`
  // (0: none).
  absl::Status Learn(const DatasetGroupState& group, absl::string_view identity,
                     const LoggedEvent& logged, uint64_t call_last_seq = 0);
  // A journaled event's window at recovery: in `identity`'s history, as the
  // store held it once `visible_seq` was written (0: as it holds it now).
  // Reads only stored data, so it may run ahead of Teach.
  absl::StatusOr<std::vector<PastEvent>> ReplayWindow(uint32_t group_id,
                                                      absl::string_view identity,
                                                      const LoggedEvent& logged,
                                                      uint64_t visible_seq) const;
  // Teaches the group's ACTIVE recommenders `logged` with `window` (those
  // activated after it was stored learned it already).
  absl::Status Teach(const DatasetGroupState& group, const LoggedEvent& logged,
                     std::vector<PastEvent> window) const;
  // Teaches one recommender that is being created a journaled event, as
  // replay would teach it (window per ReplayWindow).
  absl::Status CatchUp(const DatasetGroupState& group, RecommenderResource* recommender,
                       absl::string_view identity, const LoggedEvent& logged,
                       uint64_t visible_seq) const;
  // Teaches a new recommender every event of its group that `snapshot`
  // holds, each owner's in time order. CANCELLED as soon as `cancelled` is
  // set.
  absl::Status LearnStoredEvents(const DatasetGroupState& group,
                                 RecommenderResource* recommender,
                                 const Snapshot& snapshot,
                                 const std::atomic<bool>& cancelled) const;
  // The item events among `id`'s last `limit` events, newest first: from
  // the cache when it can tell, otherwise from the store.
  absl::StatusOr<std::vector<PastEvent>> RecentEvents(uint32_t group_id,
                                                      absl::string_view id,
                                                      size_t limit) const;

 private:
  // The item events before `logged` in the identity's history, newest
  // first (at most kLearningWindow), advancing or filling the cache.
  absl::StatusOr<std::vector<PastEvent>> WindowBefore(uint32_t group_id,
                                                      absl::string_view identity,
                                                      const LoggedEvent& logged,
                                                      uint64_t call_last_seq);
  // Whether `logged` teaches anything; clears `window` when the event
  // learns without one (impressions alone).
  static bool Learnable(const LoggedEvent& logged, std::vector<PastEvent>* window);
  // The event as the engine learns it.
  LearnedEvent LearnedEventOf(const DatasetGroupState& group,
                              const LoggedEvent& logged) const;

  const EventLog* const events_;
  LearningWindows* const windows_;
  const absl::Duration max_clock_skew_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_LEARNER_H_
