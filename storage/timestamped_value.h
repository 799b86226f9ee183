// Values that carry their creation time in front, so that a compaction
// filter can expire them without parsing the payload.
#ifndef RECLOOP_STORAGE_TIMESTAMPED_VALUE_H_
#define RECLOOP_STORAGE_TIMESTAMPED_VALUE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "storage/keys.h"

namespace recloop {

inline std::string EncodeTimestampedValue(absl::Time created,
                                          absl::string_view payload) {
  std::string v;
  v.reserve(8 + payload.size());
  PutFixed64BE(&v, OrderedMicros(absl::ToUnixMicros(created)));
  v.append(payload.data(), payload.size());
  return v;
}

struct TimestampedValue {
  absl::Time created;
  absl::string_view payload;
};

inline absl::optional<TimestampedValue> DecodeTimestampedValue(
    absl::string_view v) {
  if (v.size() < 8) return absl::nullopt;
  return TimestampedValue{
      absl::FromUnixMicros(MicrosFromOrdered(DecodeFixed64BE(v.data()))),
      v.substr(8)};
}

}  // namespace recloop

#endif  // RECLOOP_STORAGE_TIMESTAMPED_VALUE_H_
