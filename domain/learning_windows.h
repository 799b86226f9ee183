// LearningWindows: each identity's most recent events, newest first, kept in
// memory so that learning a new event does not read the identity's history
// back from the store (that read was most of PutEvents' cost).
//
// An entry is exactly what EventLog::ReadHistory would return for the
// identity (its last `window` events, item-less ones included), as long as
// every stored event of the identity goes through Advance(). Whatever could
// make it differ drops the entry instead: an event older than the newest
// cached one, a session newly linked to a user, a deleted dataset group, or
// a concurrent writer of the same identity. A dropped or evicted entry is
// rebuilt from the store on the next event.
#ifndef RECLOOP_DOMAIN_LEARNING_WINDOWS_H_
#define RECLOOP_DOMAIN_LEARNING_WINDOWS_H_

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "domain/event_log.h"
#include "engine/recommender.h"

namespace recloop {

// A position in an identity's history (the order of ReadHistory).
struct HistoryPosition {
  int64_t sent_micros = 0;
  uint64_t seq = 0;
  friend bool operator<(const HistoryPosition& a, const HistoryPosition& b) {
    return a.sent_micros != b.sent_micros ? a.sent_micros < b.sent_micros : a.seq < b.seq;
  }
};

// Thread-safe.
class LearningWindows {
 public:
  // Keeps the last `window` events of at most `capacity` identities (0:
  // caches nothing), evicting the least recently used.
  LearningWindows(size_t capacity, size_t window);

  // What a learner needs to know before learning the event at `position`:
  // the item events before it, newest first, when the cache holds the
  // identity and the event is newer than everything cached. `token` is to
  // be passed to Advance.
  struct Hit {
    std::vector<PastEvent> items;
    uint64_t token;
  };
  absl::optional<Hit> Before(uint32_t group_id, absl::string_view identity,
                             HistoryPosition position);

  // Records that the event at `position` was stored after the entry `token`
  // was read; drops the entry if another event was recorded in between.
  void Advance(uint32_t group_id, absl::string_view identity, uint64_t token,
               HistoryPosition position, PastEvent event);

  // Fills the entry from the store's history (newest first, at most
  // `window`), whose newest event is at `newest`.
  void Fill(uint32_t group_id, absl::string_view identity, HistoryPosition newest,
            std::vector<PastEvent> history);

  // The item events among the identity's last `limit` events, newest
  // first, when the entry can tell: it holds at least `limit` events, or
  // fewer than `window` (then it is the whole history).
  absl::optional<std::vector<PastEvent>> Recent(uint32_t group_id, absl::string_view identity,
                                                size_t limit);

  void Drop(uint32_t group_id, absl::string_view identity);
  void Clear();

  size_t size() const;

 private:
  using Key = std::pair<uint32_t, std::string>;
  struct Entry {
    Key key;
    HistoryPosition newest;
    uint64_t token = 0;               // changes with every update
    std::deque<PastEvent> events;     // newest first, item-less included
  };
  void Touch(std::list<Entry>::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked(absl::flat_hash_map<Key, std::list<Entry>::iterator>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  const size_t window_;
  mutable absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<Key, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_LEARNING_WINDOWS_H_
