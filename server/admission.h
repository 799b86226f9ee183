// Admission control for the data plane: bounds the calls in progress and
// the request bytes they hold, so that overload is answered at once with
// RESOURCE_EXHAUSTED instead of queueing without limit, and refuses calls
// whose client already gave up.
#ifndef RECLOOP_SERVER_ADMISSION_H_
#define RECLOOP_SERVER_ADMISSION_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace recloop {

// Thread-safe.
class Admission {
 public:
  // Holds one of the in-flight places, and its request bytes, until
  // destroyed.
  class Ticket {
   public:
    Ticket(Admission* owner, int64_t bytes) : owner_(owner), bytes_(bytes) {}
    Ticket(Ticket&& other) noexcept : owner_(other.owner_), bytes_(other.bytes_) {
      other.owner_ = nullptr;
    }
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (owner_ == nullptr) return;
      owner_->in_flight_.fetch_sub(1);
      owner_->in_flight_bytes_.fetch_sub(bytes_);
    }

   private:
    Admission* owner_;
    int64_t bytes_;
  };

  // At most `max_in_flight` calls and `max_in_flight_bytes` request bytes
  // at once; 0 means no bound.
  explicit Admission(int max_in_flight, int64_t max_in_flight_bytes = 0)
      : max_in_flight_(max_in_flight), max_in_flight_bytes_(max_in_flight_bytes) {}

  // A ticket for a call of `bytes` request bytes, or CANCELLED /
  // DEADLINE_EXCEEDED when the client gave up, or RESOURCE_EXHAUSTED when
  // the server is full.
  absl::StatusOr<Ticket> Admit(grpc::CallbackServerContext* context, int64_t bytes = 0) {
    if (context != nullptr) {
      if (context->IsCancelled()) return absl::CancelledError("the client cancelled");
      if (context->deadline() < std::chrono::system_clock::now()) {
        return absl::DeadlineExceededError(
            "the call's deadline passed before it started");
      }
    }
    return TryAcquire(bytes);
  }

  absl::StatusOr<Ticket> TryAcquire(int64_t bytes = 0) {
    const int calls = in_flight_.fetch_add(1) + 1;
    const int64_t held = in_flight_bytes_.fetch_add(bytes) + bytes;
    Ticket ticket(this, bytes);
    if (max_in_flight_ > 0 && calls > max_in_flight_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("server overloaded: ", max_in_flight_,
                       " calls in flight (--max_in_flight); retry with backoff"));
    }
    if (max_in_flight_bytes_ > 0 && held > max_in_flight_bytes_ && calls > 1) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "server overloaded: ", max_in_flight_bytes_,
          " request bytes in flight (--max_in_flight_bytes); retry with backoff"));
    }
    return ticket;
  }

  int in_flight() const { return in_flight_.load(); }
  int64_t in_flight_bytes() const { return in_flight_bytes_.load(); }

 private:
  const int max_in_flight_;
  const int64_t max_in_flight_bytes_;
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> in_flight_bytes_{0};
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_ADMISSION_H_
