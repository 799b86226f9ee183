// Bounded waiting for tests that wait on another thread or process: every
// wait has a deadline, so a regression fails with a message instead of
// hanging until ctest's TIMEOUT.
#ifndef RECLOOP_TESTS_TESTING_POLL_H_
#define RECLOOP_TESTS_TESTING_POLL_H_

#include <functional>

#include "absl/time/time.h"

namespace recloop {

// Calls `done` every `interval` until it returns true (true) or `timeout`
// has passed (false). The caller fails the test, naming what it waited for:
//   EXPECT_TRUE(PollUntil([&] { return acked >= 200; }, absl::Seconds(60)))
//       << "only " << acked << " of 200 events acknowledged after 60 s";
// Deadlines are generous safety nets, never a measure of speed.
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout,
               absl::Duration interval = absl::Milliseconds(5));

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_POLL_H_
