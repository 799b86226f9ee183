#include "tests/testing/poll.h"

#include "absl/time/clock.h"

namespace recloop {

bool PollUntil(const std::function<bool()>& done, absl::Duration timeout,
               absl::Duration interval) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return done();
    absl::SleepFor(interval);
  }
  return true;
}

}  // namespace recloop
