#include "domain/recovery.h"

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "storage/keys.h"

namespace recloop {
namespace {

// How many read events may wait for the learner.
constexpr size_t kReadAhead = 4096;

// One journaled event, read with its window and ready to be taught.
struct ReplayItem {
  std::shared_ptr<DatasetGroupState> group;
  LoggedEvent logged;
  std::vector<PastEvent> window;
};

// Reads the journal past the checkpoint on a thread of its own, ahead of
// the learner: reading an event and its window (store reads) and learning
// it (CPU) overlap. What is read depends on stored data only, so reading
// ahead changes nothing that is learned.
class JournalReader {
 public:
  JournalReader(const Store& store, const Registry& registry, const EventLog& events,
                const Learner& learner, uint64_t checkpoint_seq)
      : store_(store), registry_(registry), events_(events), learner_(learner) {
    last_seq_ = checkpoint_seq;
    thread_ = std::thread([this, checkpoint_seq] { Finish(Read(checkpoint_seq)); });
  }
  ~JournalReader() {
    {
      absl::MutexLock lock(&mu_);
      abandoned_ = true;
    }
    thread_.join();
  }

  // The next item, or false at the end (then status() tells whether the
  // whole journal was read).
  bool Next(ReplayItem* item) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &JournalReader::HasNextOrDone));
    if (items_.empty()) return false;
    *item = std::move(items_.front());
    items_.pop_front();
    return true;
  }
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  uint64_t last_sequence() {
    absl::MutexLock lock(&mu_);
    return last_seq_;
  }

 private:
  bool HasNextOrDone() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !items_.empty() || done_;
  }
  bool HasRoom() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return items_.size() < kReadAhead || abandoned_;
  }

  absl::Status Read(uint64_t checkpoint_seq) {
    return VisitJournal(
        store_, checkpoint_seq,
        [&](uint64_t seq, const internal::JournalEntry& entry) -> absl::Status {
          ReplayItem item;
          absl::optional<JournaledEvent> event;
          item.group = registry_.FindGroupById(entry.group_id());
          if (item.group != nullptr) {  // Else the group was deleted since.
            ASSIGN_OR_RETURN(event, ReadJournaledEvent(store_, events_, *item.group, entry));
          }
          if (event) {
            ASSIGN_OR_RETURN(item.window,
                             learner_.ReplayWindow(item.group->id, event->identity,
                                                   event->logged, event->visible_sequence));
            item.logged = std::move(event->logged);
          }
          absl::MutexLock lock(&mu_);
          mu_.Await(absl::Condition(this, &JournalReader::HasRoom));
          if (abandoned_) return absl::CancelledError("replay stopped");
          last_seq_ = seq;
          if (event) items_.push_back(std::move(item));
          return absl::OkStatus();
        });
  }
  void Finish(absl::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
    done_ = true;
  }

  const Store& store_;
  const Registry& registry_;
  const EventLog& events_;
  const Learner& learner_;
  absl::Mutex mu_;
  std::deque<ReplayItem> items_ ABSL_GUARDED_BY(mu_);
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace

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
  JournalReader reader(store, registry, events, *learner, replay.checkpoint_sequence);
  ReplayItem item;
  while (reader.Next(&item)) {
    RETURN_IF_ERROR(learner->Teach(*item.group, item.logged, std::move(item.window)));
    ++replay.replayed_events;
  }
  RETURN_IF_ERROR(reader.status());
  replay.last_sequence = reader.last_sequence();
  return replay;
}

absl::Status VisitJournal(
    const Store& store, uint64_t after,
    absl::FunctionRef<absl::Status(uint64_t seq, const internal::JournalEntry& entry)>
        visit) {
  auto journal = store.NewCursor(Cf::kJournal, JournalKey(after + 1), "");
  internal::JournalEntry entry;
  for (journal->SeekToFirst(); journal->Valid(); journal->Next()) {
    const absl::optional<uint64_t> seq = ParseJournalKey(journal->key());
    if (!seq) return absl::DataLossError("malformed journal key");
    if (!entry.ParseFromArray(journal->value().data(),
                              static_cast<int>(journal->value().size()))) {
      return absl::DataLossError(absl::StrCat("journal entry ", *seq, " is corrupt"));
    }
    RETURN_IF_ERROR(visit(*seq, entry));
  }
  return journal->status();
}

absl::StatusOr<absl::optional<JournaledEvent>> ReadJournaledEvent(
    const Store& store, const EventLog& events, const DatasetGroupState& group,
    const internal::JournalEntry& entry) {
  const absl::optional<ParsedEventKey> key = ParseEventKey(entry.event_key());
  std::string raw;
  bool found = false;
  if (key) {
    ASSIGN_OR_RETURN(found, store.Get(Cf::kEvents, entry.event_key(), &raw));
  }
  if (!found) return absl::nullopt;
  JournaledEvent event;
  event.logged.sent_micros = key->sent_micros;
  event.logged.seq = key->seq;
  if (!event.logged.event.ParseFromString(raw)) {
    return absl::DataLossError(absl::StrCat("stored event ", key->seq, " is corrupt"));
  }
  event.identity = entry.identity();
  if (event.identity.empty()) {
    ASSIGN_OR_RETURN(event.identity,
                     events.ResolveIdentity(group.id, event.logged.event.user_id(),
                                            event.logged.event.session_id()));
  }
  event.visible_sequence = entry.visible_sequence();
  return event;
}

}  // namespace recloop
