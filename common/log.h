// Minimal line logging to stderr. (Debian's Abseil predates absl/log.)
#ifndef RECLOOP_COMMON_LOG_H_
#define RECLOOP_COMMON_LOG_H_

#include <atomic>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace recloop {

// Each call writes one whole line: "<UTC time> <level> <message>".
void LogInfo(absl::string_view message);
void LogWarning(absl::string_view message);
void LogError(absl::string_view message);

// Logs errors that a client or a failing disk can repeat many times a
// second: at most one line per `interval`, saying how many were dropped
// since the last one. Thread-safe.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(absl::Duration interval) : interval_(interval) {}
  void Error(absl::string_view message);

 private:
  const absl::Duration interval_;
  std::atomic<int64_t> next_nanos_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace recloop

#endif  // RECLOOP_COMMON_LOG_H_
