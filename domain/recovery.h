// Recovery: at start-up, the models are their checkpoint plus the journal
// replayed past it, in the order the events were stored. The journal is
// read the same way by recommenders being created (RecommenderBuilds),
// which learn from it the events stored while they learned the rest.
#ifndef RECLOOP_DOMAIN_RECOVERY_H_
#define RECLOOP_DOMAIN_RECOVERY_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "domain/event_log.h"
#include "domain/learner.h"
#include "domain/registry.h"
#include "recloop/internal/records.pb.h"
#include "storage/store.h"

namespace recloop {

struct JournalReplay {
  // The journal sequence the checkpoint reflects (0: none).
  uint64_t checkpoint_sequence = 0;
  // The last sequence in the journal (the checkpoint's when it is empty).
  uint64_t last_sequence = 0;
  // Journaled events taught to the models.
  uint64_t replayed_events = 0;
};

// Teaches the registry's ACTIVE models (restored from their checkpoint)
// every journaled event past the checkpoint. DATA_LOSS when a record is
// corrupt.
absl::StatusOr<JournalReplay> ReplayJournal(const Store& store, const Registry& registry,
                                            const EventLog& events, Learner* learner);

// Calls `visit` with every journal entry after sequence `after`, in
// sequence order, as the store holds the journal now. Stops at the first
// error `visit` returns; DATA_LOSS when an entry is corrupt.
absl::Status VisitJournal(
    const Store& store, uint64_t after,
    absl::FunctionRef<absl::Status(uint64_t seq, const internal::JournalEntry& entry)>
        visit);

// A journaled event as it was stored and learned.
struct JournaledEvent {
  LoggedEvent logged;
  // Whose history it was learned in.
  std::string identity;
  // Its window is read as the store held it once this sequence was written.
  uint64_t visible_sequence = 0;
};

// The event a journal entry of `group` names; nullopt when the store no
// longer holds it. DATA_LOSS when it is corrupt.
absl::StatusOr<absl::optional<JournaledEvent>> ReadJournaledEvent(
    const Store& store, const EventLog& events, const DatasetGroupState& group,
    const internal::JournalEntry& entry);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECOVERY_H_
