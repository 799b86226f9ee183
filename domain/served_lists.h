// ServedLists remembers what each recommendation id served, so that a later
// event citing the id gets implicit impressions and attribution.
#ifndef RECLOOP_DOMAIN_SERVED_LISTS_H_
#define RECLOOP_DOMAIN_SERVED_LISTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/clock.h"
#include "recloop/internal/records.pb.h"
#include "storage/store.h"

namespace recloop {

// Thread-safe. Entries expire after `retention`: reads ignore them at once,
// and the served column family's compaction filter deletes them.
class ServedLists {
 public:
  ServedLists(Store* store, const Clock* clock, absl::Duration retention)
      : store_(store), clock_(clock), retention_(retention) {}

  // A fresh recommendation id: "RID-" followed by a UUID (40 characters).
  static std::string NewRecommendationId();

  absl::Status Record(absl::string_view recommendation_id,
                      const internal::ServedList& list);
  // The list served under `recommendation_id` for group `group_id`, or
  // nullopt when it is unknown, expired, or belongs to another group.
  absl::StatusOr<absl::optional<internal::ServedList>> Lookup(
      absl::string_view recommendation_id, uint32_t group_id) const;

 private:
  Store* const store_;
  const Clock* const clock_;
  const absl::Duration retention_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_SERVED_LISTS_H_
