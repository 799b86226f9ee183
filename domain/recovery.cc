#include "domain/recovery.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"

namespace recloop {

absl::StatusOr<JournalReplay> ReplayJournal(const Store& store, const Registry& registry,
                                            const EventLog& events, Learner* learner) {
  JournalReplay replay;
  std::string raw;
  ASSIGN_OR_RETURN(bool has_checkpoint,
                   store.Get(Cf::kMeta, meta_key::Checkpoint(), &raw));
  if (has_checkpoint) {
    internal::CheckpointRecord checkpoint;
    if (!checkpoint.ParseFromString(raw)) {
      return absl::DataLossError("the checkpoint record is corrupt");
    }
    replay.checkpoint_sequence = checkpoint.sequence();
  }
  replay.last_sequence = replay.checkpoint_sequence;
  auto journal =
      store.NewCursor(Cf::kJournal, JournalKey(replay.checkpoint_sequence + 1), "");
  for (journal->SeekToFirst(); journal->Valid(); journal->Next()) {
    const absl::optional<uint64_t> seq = ParseJournalKey(journal->key());
    if (!seq) return absl::DataLossError("malformed journal key");
    replay.last_sequence = *seq;
    internal::JournalEntry entry;
    if (!entry.ParseFromArray(journal->value().data(),
                              static_cast<int>(journal->value().size()))) {
      return absl::DataLossError(absl::StrCat("journal entry ", *seq, " is corrupt"));
    }
    std::shared_ptr<DatasetGroupState> group = registry.FindGroupById(entry.group_id());
    if (group == nullptr) continue;  // The group was deleted since.
    auto key = ParseEventKey(entry.event_key());
    ASSIGN_OR_RETURN(bool found, store.Get(Cf::kEvents, entry.event_key(), &raw));
    if (!key || !found) continue;
    LoggedEvent logged;
    logged.sent_micros = key->sent_micros;
    logged.seq = key->seq;
    if (!logged.event.ParseFromString(raw)) {
      return absl::DataLossError(absl::StrCat("stored event ", key->seq, " is corrupt"));
    }
    std::string identity = entry.identity();
    if (identity.empty()) {
      ASSIGN_OR_RETURN(identity, events.ResolveIdentity(group->id, logged.event.user_id(),
                                                        logged.event.session_id()));
    }
    RETURN_IF_ERROR(learner->Replay(*group, identity, logged, entry.visible_sequence()));
    ++replay.replayed_events;
  }
  RETURN_IF_ERROR(journal->status());
  return replay;
}

}  // namespace recloop
