#include "common/log.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace recloop {
namespace {

void Emit(char level, absl::string_view message) {
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
      std::string(1, level), " ", message, "\n");
  // One write(2) per line keeps lines from interleaving across threads.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

void LogInfo(absl::string_view message) { Emit('I', message); }
void LogWarning(absl::string_view message) { Emit('W', message); }
void LogError(absl::string_view message) { Emit('E', message); }

void RateLimitedLog::Error(absl::string_view message) {
  const int64_t now = absl::GetCurrentTimeNanos();
  int64_t next = next_nanos_.load();
  if (now < next || !next_nanos_.compare_exchange_strong(
                        next, now + absl::ToInt64Nanoseconds(interval_))) {
    dropped_.fetch_add(1);
    return;
  }
  const uint64_t dropped = dropped_.exchange(0);
  if (dropped == 0) {
    Emit('E', message);
  } else {
    Emit('E', absl::StrCat(message, " (and ", dropped, " more like it not logged)"));
  }
}

}  // namespace recloop
