// Recovery: at start-up, the models are their checkpoint plus the journal
// replayed past it, in the order the events were stored.
#ifndef RECLOOP_DOMAIN_RECOVERY_H_
#define RECLOOP_DOMAIN_RECOVERY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "domain/event_log.h"
#include "domain/learner.h"
#include "domain/registry.h"
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

// Teaches the registry's models (restored from their checkpoint) every
// journaled event past the checkpoint. DATA_LOSS when a record is corrupt.
absl::StatusOr<JournalReplay> ReplayJournal(const Store& store, const Registry& registry,
                                            const EventLog& events, Learner* learner);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECOVERY_H_
