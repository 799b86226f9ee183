// Minimal line logging to stderr. (Debian's Abseil predates absl/log.)
#ifndef RECLOOP_COMMON_LOG_H_
#define RECLOOP_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace recloop {

// Each call writes one whole line: "<UTC time> <level> <message>".
void LogInfo(absl::string_view message);
void LogWarning(absl::string_view message);
void LogError(absl::string_view message);

}  // namespace recloop

#endif  // RECLOOP_COMMON_LOG_H_
