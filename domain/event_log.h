// EventLog stores each user's (or anonymous session's) events in time order,
// deduplicates them, links sessions to users, derives implicit impressions
// and attribution from served lists, and journals every stored event for
// model recovery.
#ifndef RECLOOP_DOMAIN_EVENT_LOG_H_
#define RECLOOP_DOMAIN_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "common/clock.h"
#include "domain/served_lists.h"
#include "engine/recommender.h"
#include "recloop/v1/recloop.pb.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace recloop {

inline constexpr char kSourceNameUndefined[] = "SOURCE_NAME_UNDEFINED";

// The event as recommenders weigh it.
PastEvent PastEventOf(const v1::Event& event);

// An event as stored, with its place in the log.
struct LoggedEvent {
  int64_t sent_micros = 0;
  uint64_t seq = 0;
  v1::StoredEvent event;
};

// A position in a history: events strictly before (sent_micros, seq).
struct HistoryBound {
  int64_t sent_micros;
  uint64_t seq;
  // When not 0, only what the store held once the event of this sequence
  // was written: no event of a larger sequence, no session linked later.
  // Replay reads an event's window as it was learned this way.
  uint64_t as_of = 0;
};

struct AppendResult {
  v1::PutEventsResponse response;
  // The events actually stored (duplicates left out), in request order.
  std::vector<LoggedEvent> stored;
  // This call linked its session to its user: both histories changed.
  bool linked_session = false;
};

// Thread-safe for reads. Append must not run concurrently for the same user,
// session or event ids (the caller serializes them), because deduplication
// and session linking read before they write.
class EventLog {
 public:
  EventLog(Store* store, const Clock* clock, const ServedLists* served)
      : store_(store), clock_(clock), served_(served) {}

  // Stores the events of one PutEvents call in one atomic write; they are in
  // the WAL when this returns. `events` are validated and complete: each
  // has its event_id (generated when the client sent none). `identity` is
  // whose history they are learned in (ResolveIdentity before the call),
  // journaled for replay.
  absl::StatusOr<AppendResult> Append(uint32_t group_id, absl::string_view user_id,
                                      absl::string_view session_id,
                                      absl::string_view identity,
                                      absl::Span<const v1::Event> events);

  // The most recent `limit` events of `id`, newest first, optionally only
  // those before `before`. `id` is a user id or a session id; a user's
  // history includes the events of the sessions linked to it, and of the
  // anonymous session with the same id unless that session belongs to
  // another user.
  absl::StatusOr<std::vector<LoggedEvent>> ReadHistory(
      uint32_t group_id, absl::string_view id, size_t limit,
      absl::optional<HistoryBound> before = absl::nullopt) const;

  // The events of ReadHistory that name an item, as recommenders weigh
  // them, newest first.
  absl::StatusOr<std::vector<PastEvent>> RecentEvents(
      uint32_t group_id, absl::string_view id, size_t limit,
      absl::optional<HistoryBound> before = absl::nullopt) const;

  // Calls `fn` with every stored event of the group, as `snapshot` holds
  // them (not null) or the store now: each owner's events in time order,
  // one owner after another. Stops at the first error `fn` returns.
  absl::Status ScanGroup(
      uint32_t group_id, const Snapshot* snapshot,
      const std::function<absl::Status(const Owner&, const LoggedEvent&)>& fn) const;

  // The user a session is linked to, if any.
  absl::StatusOr<absl::optional<std::string>> LinkedUser(
      uint32_t group_id, absl::string_view session_id) const;

  // Whose history the events of (user_id, session_id) extend: the user, or
  // the user the session is linked to, or the session itself.
  absl::StatusOr<std::string> ResolveIdentity(uint32_t group_id,
                                              absl::string_view user_id,
                                              absl::string_view session_id) const;

  // The last journal sequence number assigned. Recovery sets it once at
  // start-up, before any Append.
  uint64_t last_sequence() const { return last_seq_.load(); }
  void set_last_sequence(uint64_t seq) { last_seq_.store(seq); }

 private:
  // True when one of `dedup_keys` is in `batch_keys` or stored: the event
  // is a duplicate.
  absl::StatusOr<bool> AnyStored(const std::vector<std::string>& dedup_keys,
                                 const absl::flat_hash_set<std::string>& batch_keys) const;
  // Sets the stored event's effective impression (explicit, else the list
  // its recommendation id cites) and attribution source (explicit, else
  // the recommender that served the cited list, else undefined).
  absl::Status DeriveFromCitedList(uint32_t group_id, v1::StoredEvent* stored) const;
  // Adds the session -> user link to `batch` unless the session is linked
  // already; true when it links. `first_seq` is the first sequence that
  // sees the link.
  absl::StatusOr<bool> LinkSession(uint32_t group_id, absl::string_view user_id,
                                   absl::string_view session_id, uint64_t first_seq,
                                   WriteBatch* batch) const;
  // The owners whose events make up `id`'s history; with `as_of` (not 0)
  // only the sessions linked by then.
  absl::StatusOr<std::vector<Owner>> HistorySources(uint32_t group_id, absl::string_view id,
                                                    uint64_t as_of) const;
  // The first sequence that sees `session_id` linked to `user_id` (0 for
  // links stored before link sequences were).
  absl::StatusOr<uint64_t> LinkSequence(uint32_t group_id, absl::string_view user_id,
                                        absl::string_view session_id) const;
  // Calls `visit` with up to `limit` stored events (key time, seq, the
  // serialized StoredEvent) of each of the id's sources, newest first
  // within a source; before `before` when given. Returns how many sources
  // there were: with more than one, their events interleave in time and
  // callers sort.
  absl::StatusOr<size_t> VisitHistory(
      uint32_t group_id, absl::string_view id, size_t limit,
      absl::optional<HistoryBound> before,
      absl::FunctionRef<absl::Status(int64_t sent_micros, uint64_t seq,
                                     absl::string_view value)>
          visit) const;

  Store* const store_;
  const Clock* const clock_;
  const ServedLists* const served_;
  std::atomic<uint64_t> last_seq_{0};
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_EVENT_LOG_H_
