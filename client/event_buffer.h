// recloop::client::EventBuffer: batches events into PutEvents calls, as the
// AWS SDKs and Amplify do for Personalize.
//
// Events are grouped per (tracking_id, user_id, session_id), the unit one
// PutEvents call carries. A group is sent when it holds max_batch_events
// events (flush by size) or when its oldest event has waited max_delay
// (flush by time), by a few sender threads; each group is always sent by the
// same thread, so a user's events arrive in the order they were added.
// Flush() sends everything now and waits; Close() (and the destructor)
// flushes and stops the senders.
//
// Nothing accepted is dropped silently: every accepted event ends up either
// stored (acknowledged by the server, after the client's retries) or in a
// call reported to on_error, and Flush()/Close() return the first such
// failure. Add() blocks while max_buffered_events are waiting to be sent,
// so a producer faster than the server is slowed down instead of growing
// memory.
//
//   EventBuffer buffer(client.get());
//   v1::Event event;
//   event.set_event_type("click");
//   event.set_item_id("item-1");
//   RETURN_IF_ERROR(buffer.Add(tracking_id, "user-1", "session-1", event));
//   ...
//   RETURN_IF_ERROR(buffer.Close());
#ifndef RECLOOP_CLIENT_EVENT_BUFFER_H_
#define RECLOOP_CLIENT_EVENT_BUFFER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop::client {

struct EventBufferOptions {
  // Events per PutEvents call, 1-10 (the server's limit).
  int max_batch_events = 10;
  // Longest time an event waits for its batch to fill.
  absl::Duration max_delay = absl::Milliseconds(100);
  // Add() blocks while this many events are accepted but not yet answered.
  int max_buffered_events = 10000;
  // PutEvents calls in progress at once (one sender thread each).
  int senders = 4;
  // Called from a sender thread for a call that failed after the client's
  // retries; the request's events were not stored.
  std::function<void(const absl::Status&, const v1::PutEventsRequest&)> on_error;
};

struct EventBufferStats {
  int64_t accepted = 0;    // events taken by Add()
  int64_t stored = 0;      // acknowledged as newly stored
  int64_t duplicates = 0;  // acknowledged as already stored
  int64_t failed = 0;      // in calls that failed (see on_error)
  int64_t calls = 0;       // PutEvents calls answered
};

// Thread-safe.
class EventBuffer {
 public:
  // `client` must outlive the buffer.
  explicit EventBuffer(Client* client, EventBufferOptions options = {});
  ~EventBuffer();  // Close()
  EventBuffer(const EventBuffer&) = delete;
  EventBuffer& operator=(const EventBuffer&) = delete;

  // Accepts `event` for the user (empty for an anonymous session) and
  // session. Gives it an event_id (a UUID) and sent_at (now) when missing,
  // so that it is stored once even if its call is retried. INVALID_ARGUMENT
  // when tracking_id or session_id is empty, FAILED_PRECONDITION after
  // Close(). The server validates the rest; its verdict reaches on_error.
  absl::Status Add(absl::string_view tracking_id, absl::string_view user_id,
                   absl::string_view session_id, v1::Event event);

  // Sends every accepted event and waits until each call is answered.
  // Returns the first failure since the previous Flush() (OK if none).
  absl::Status Flush();

  // Flush(), then stops the senders; later Add()s fail. Idempotent.
  absl::Status Close();

  EventBufferStats stats() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  struct Batch {
    Key key;
    std::vector<v1::Event> events;
    absl::Time due;  // when it is sent even if not full
  };
  // The batches of one sender thread.
  struct Shard {
    // Filling batches, oldest first, and an index into them by key.
    std::list<Batch> filling;
    absl::flat_hash_map<Key, std::list<Batch>::iterator> by_key;
    std::deque<Batch> ready;  // full or due, in order
    int sending = 0;
  };

  void SendLoop(int shard_index);
  void Send(const Batch& batch);
  // Moves the shard's due batches (all of them when `all`) to `ready`.
  void MoveDue(Shard& shard, absl::Time now, bool all) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Client* const client_;
  const EventBufferOptions options_;

  mutable absl::Mutex mu_;
  std::vector<Shard> shards_ ABSL_GUARDED_BY(mu_);
  int64_t buffered_ ABSL_GUARDED_BY(mu_) = 0;  // accepted, not yet answered
  bool closed_ ABSL_GUARDED_BY(mu_) = false;   // no more Add()s
  bool stop_ ABSL_GUARDED_BY(mu_) = false;     // senders exit when idle
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
  EventBufferStats stats_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> senders_;
};

}  // namespace recloop::client

#endif  // RECLOOP_CLIENT_EVENT_BUFFER_H_
