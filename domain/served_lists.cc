#include "domain/served_lists.h"

#include "common/status_macros.h"
#include "common/uuid.h"
#include "storage/timestamped_value.h"

namespace recloop {

std::string ServedLists::NewRecommendationId() { return "RID-" + NewUuid(); }

absl::Status ServedLists::Record(absl::string_view recommendation_id,
                                 const internal::ServedList& list) {
  WriteBatch batch(*store_);
  batch.Put(Cf::kServed, recommendation_id,
            EncodeTimestampedValue(clock_->Now(), list.SerializeAsString()));
  // Not fsynced even with --sync: a served list lost to a power cut only
  // costs the implicit impressions of later clicks on it.
  return store_->Write(&batch, /*may_skip_sync=*/true);
}

absl::StatusOr<absl::optional<internal::ServedList>> ServedLists::Lookup(
    absl::string_view recommendation_id, uint32_t group_id) const {
  if (recommendation_id.empty()) return absl::nullopt;
  std::string raw;
  ASSIGN_OR_RETURN(bool found, store_->Get(Cf::kServed, recommendation_id, &raw));
  if (!found) return absl::nullopt;
  auto value = DecodeTimestampedValue(raw);
  if (!value || value->created + retention_ < clock_->Now()) return absl::nullopt;
  internal::ServedList list;
  if (!list.ParseFromArray(value->payload.data(),
                           static_cast<int>(value->payload.size())) ||
      list.group_id() != group_id) {
    return absl::nullopt;
  }
  return list;
}

}  // namespace recloop
