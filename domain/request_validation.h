// Checks of data-plane requests against Personalize's field limits. These
// need no state; schema-dependent checks of `properties` live in
// InteractionsSchema. Every error is INVALID_ARGUMENT and names the field,
// with the event index where there is one: "event_list[2].item_id: ...".
#ifndef RECLOOP_DOMAIN_REQUEST_VALIDATION_H_
#define RECLOOP_DOMAIN_REQUEST_VALIDATION_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "domain/schema.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop {

inline constexpr int kMaxIdLength = 256;
inline constexpr int kMaxEventsPerCall = 10;
inline constexpr int kMaxPropertiesLength = 1024;
inline constexpr int kMaxImpressions = 25;
inline constexpr int kMaxRecommendationIdLength = 40;
inline constexpr int kMaxAttributionSourceLength = 1024;
inline constexpr int kMaxEventBytes = 10 * 1024;
inline constexpr int kMaxNumResults = 500;
inline constexpr int kDefaultNumResults = 25;
inline constexpr int kMaxInputList = 500;
inline constexpr int kMaxHistoryResults = 10000;
inline constexpr int kDefaultHistoryResults = 1000;
inline constexpr int kMaxContextEntries = 150;
inline constexpr int kMaxContextKeyLength = 150;
inline constexpr int kMaxContextValueLength = 1000;

// Characters (code points) in `s`, or nullopt when it is not valid UTF-8.
// Personalize's limits count characters, not bytes.
absl::optional<size_t> Utf8Length(absl::string_view s);

// At most 1024 printable ASCII characters.
absl::Status ValidateAttributionSource(absl::string_view field,
                                       absl::string_view source);

absl::Status ValidatePutEventsRequest(const v1::PutEventsRequest& request);
// The request's events as they are stored: properties checked against
// `schema`; itemId, eventValue and eventAttributionSource taken from the
// properties when the fields are empty (both set: they must agree; the same
// limits apply either way); an event_id generated when none was sent. Call
// after ValidatePutEventsRequest.
absl::StatusOr<std::vector<v1::Event>> CompleteEvents(const v1::PutEventsRequest& request,
                                                      const InteractionsSchema& schema);
absl::Status ValidateGetUserHistoryRequest(const v1::GetUserHistoryRequest& request);
absl::Status ValidateGetRecommendationsRequest(
    const v1::GetRecommendationsRequest& request);
absl::Status ValidateGetPersonalizedRankingRequest(
    const v1::GetPersonalizedRankingRequest& request);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_REQUEST_VALIDATION_H_
