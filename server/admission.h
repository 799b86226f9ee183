// Admission control for the data plane: bounds the calls in progress, so
// that overload is answered at once with RESOURCE_EXHAUSTED instead of
// queueing without limit, and refuses calls whose client already gave up.
#ifndef RECLOOP_SERVER_ADMISSION_H_
#define RECLOOP_SERVER_ADMISSION_H_

#include <atomic>
#include <chrono>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace recloop {

// Thread-safe.
class Admission {
 public:
  // Holds one of the in-flight places until destroyed.
  class Ticket {
   public:
    explicit Ticket(Admission* owner) : owner_(owner) {}
    Ticket(Ticket&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (owner_ != nullptr) owner_->in_flight_.fetch_sub(1);
    }

   private:
    Admission* owner_;
  };

  // At most `max_in_flight` calls at once; 0 means no bound.
  explicit Admission(int max_in_flight) : max_in_flight_(max_in_flight) {}

  // A ticket, or CANCELLED / DEADLINE_EXCEEDED when the client gave up, or
  // RESOURCE_EXHAUSTED when the server is full.
  absl::StatusOr<Ticket> Admit(grpc::CallbackServerContext* context) {
    if (context != nullptr) {
      if (context->IsCancelled()) return absl::CancelledError("the client cancelled");
      if (context->deadline() < std::chrono::system_clock::now()) {
        return absl::DeadlineExceededError("the call's deadline passed before it started");
      }
    }
    return TryAcquire();
  }

  absl::StatusOr<Ticket> TryAcquire() {
    const int now = in_flight_.fetch_add(1) + 1;
    Ticket ticket(this);
    if (max_in_flight_ > 0 && now > max_in_flight_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("server overloaded: ", max_in_flight_,
                       " calls in flight (--max_in_flight); retry with backoff"));
    }
    return ticket;
  }

  int in_flight() const { return in_flight_.load(); }

 private:
  const int max_in_flight_;
  std::atomic<int> in_flight_{0};
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_ADMISSION_H_
