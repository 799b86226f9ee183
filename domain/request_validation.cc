#include "domain/request_validation.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/uuid.h"

namespace recloop {

absl::optional<size_t> Utf8Length(absl::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return absl::nullopt;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return absl::nullopt;
    }
    i += len;
    ++count;
  }
  return count;
}

namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// `value` must be UTF-8 of min..max characters (code points, not bytes).
absl::Status CheckLength(absl::string_view field, const std::string& value, size_t min,
                         size_t max) {
  absl::optional<size_t> length = Utf8Length(value);
  if (!length) return Invalid(field, "not valid UTF-8");
  if (*length < min) {
    return Invalid(field, min == 1 ? "required" : "too short");
  }
  if (*length > max) {
    return Invalid(field, absl::StrCat("longer than ", max, " characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckOptionalLength(absl::string_view field, const std::string& value,
                                 size_t max) {
  if (value.empty()) return absl::OkStatus();
  return CheckLength(field, value, 1, max);
}

absl::Status CheckContext(const google::protobuf::Map<std::string, std::string>& ctx) {
  if (ctx.size() > static_cast<size_t>(kMaxContextEntries)) {
    return Invalid("context", absl::StrCat("more than ", kMaxContextEntries, " entries"));
  }
  for (const auto& [key, value] : ctx) {
    std::string field = absl::StrCat("context[", key, "]");
    RETURN_IF_ERROR(
        CheckLength(absl::StrCat("context key ", key), key, 1, kMaxContextKeyLength));
    if (!value.empty()) {
      RETURN_IF_ERROR(CheckLength(field, value, 1, kMaxContextValueLength));
    }
  }
  return absl::OkStatus();
}

bool IsPrintableAscii(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

absl::Status ValidateEvent(const v1::Event& event, int index) {
  const std::string p = absl::StrCat("event_list[", index, "].");
  RETURN_IF_ERROR(CheckOptionalLength(p + "event_id", event.event_id(), kMaxIdLength));
  RETURN_IF_ERROR(CheckLength(p + "event_type", event.event_type(), 1, kMaxIdLength));
  RETURN_IF_ERROR(CheckOptionalLength(p + "item_id", event.item_id(), kMaxIdLength));
  if (event.has_event_value() && !std::isfinite(event.event_value())) {
    return Invalid(p + "event_value", "must be a finite number");
  }
  if (!event.properties().empty()) {
    RETURN_IF_ERROR(
        CheckLength(p + "properties", event.properties(), 1, kMaxPropertiesLength));
  }
  if (!event.has_sent_at()) return Invalid(p + "sent_at", "required");
  const auto& ts = event.sent_at();
  // google.protobuf.Timestamp's valid range: 0001-01-01 to 9999-12-31.
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    return Invalid(p + "sent_at", "not a valid timestamp");
  }
  RETURN_IF_ERROR(CheckOptionalLength(p + "recommendation_id", event.recommendation_id(),
                                      kMaxRecommendationIdLength));
  if (event.impression_size() > kMaxImpressions) {
    return Invalid(p + "impression",
                   absl::StrCat("more than ", kMaxImpressions, " items"));
  }
  for (int i = 0; i < event.impression_size(); ++i) {
    RETURN_IF_ERROR(CheckLength(absl::StrCat(p, "impression[", i, "]"),
                                event.impression(i), 1, kMaxIdLength));
  }
  RETURN_IF_ERROR(
      ValidateAttributionSource(p + "metric_attribution.event_attribution_source",
                                event.metric_attribution().event_attribution_source()));
  if (event.ByteSizeLong() > static_cast<size_t>(kMaxEventBytes)) {
    return Invalid(absl::StrCat("event_list[", index, "]"),
                   absl::StrCat("larger than ", kMaxEventBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateAttributionSource(absl::string_view field,
                                       absl::string_view source) {
  if (source.size() > static_cast<size_t>(kMaxAttributionSourceLength)) {
    return Invalid(
        field, absl::StrCat("longer than ", kMaxAttributionSourceLength, " characters"));
  }
  if (!IsPrintableAscii(source)) return Invalid(field, "must be printable ASCII");
  return absl::OkStatus();
}

absl::Status ValidatePutEventsRequest(const v1::PutEventsRequest& request) {
  RETURN_IF_ERROR(CheckLength("tracking_id", request.tracking_id(), 1, kMaxIdLength));
  RETURN_IF_ERROR(CheckLength("session_id", request.session_id(), 1, kMaxIdLength));
  RETURN_IF_ERROR(CheckOptionalLength("user_id", request.user_id(), kMaxIdLength));
  if (request.event_list_size() < 1) {
    return Invalid("event_list", "required (1-10 events)");
  }
  if (request.event_list_size() > kMaxEventsPerCall) {
    return Invalid("event_list",
                   absl::StrCat("more than ", kMaxEventsPerCall, " events"));
  }
  for (int i = 0; i < request.event_list_size(); ++i) {
    RETURN_IF_ERROR(ValidateEvent(request.event_list(i), i));
  }
  return absl::OkStatus();
}

absl::Status ValidateGetUserHistoryRequest(const v1::GetUserHistoryRequest& request) {
  RETURN_IF_ERROR(CheckLength("dataset_group", request.dataset_group(), 1, kMaxIdLength));
  RETURN_IF_ERROR(CheckLength("user_id", request.user_id(), 1, kMaxIdLength));
  if (request.max_results() < 0 || request.max_results() > kMaxHistoryResults) {
    return Invalid("max_results", absl::StrCat("must be 0-", kMaxHistoryResults));
  }
  return absl::OkStatus();
}

absl::Status ValidateGetRecommendationsRequest(
    const v1::GetRecommendationsRequest& request) {
  RETURN_IF_ERROR(CheckLength("dataset_group", request.dataset_group(), 1, kMaxIdLength));
  RETURN_IF_ERROR(
      CheckOptionalLength("recommender", request.recommender(), kMaxIdLength));
  RETURN_IF_ERROR(CheckOptionalLength("user_id", request.user_id(), kMaxIdLength));
  RETURN_IF_ERROR(CheckOptionalLength("item_id", request.item_id(), kMaxIdLength));
  if (request.num_results() < 0 || request.num_results() > kMaxNumResults) {
    return Invalid("num_results", absl::StrCat("must be 0-", kMaxNumResults));
  }
  return CheckContext(request.context());
}

absl::Status ValidateGetPersonalizedRankingRequest(
    const v1::GetPersonalizedRankingRequest& request) {
  RETURN_IF_ERROR(CheckLength("dataset_group", request.dataset_group(), 1, kMaxIdLength));
  RETURN_IF_ERROR(
      CheckOptionalLength("recommender", request.recommender(), kMaxIdLength));
  RETURN_IF_ERROR(CheckOptionalLength("user_id", request.user_id(), kMaxIdLength));
  if (request.input_list_size() == 0) {
    return Invalid("input_list", absl::StrCat("required: 1-", kMaxInputList, " item ids"));
  }
  if (request.input_list_size() > kMaxInputList) {
    return Invalid("input_list", absl::StrCat("more than ", kMaxInputList, " items"));
  }
  for (int i = 0; i < request.input_list_size(); ++i) {
    RETURN_IF_ERROR(CheckLength(absl::StrCat("input_list[", i, "]"),
                                request.input_list(i), 1, kMaxIdLength));
  }
  return CheckContext(request.context());
}

namespace {

// Merges the properties' itemId, eventValue and eventAttributionSource into
// `event`; `path` names its properties field.
absl::Status MergeProperties(const EventProperties& properties, const std::string& path,
                             v1::Event* event) {
  if (properties.item_id) {
    const std::string field = path + ".itemId";
    RETURN_IF_ERROR(CheckLength(field, *properties.item_id, 1, kMaxIdLength));
    if (event->item_id().empty()) {
      event->set_item_id(*properties.item_id);
    } else if (event->item_id() != *properties.item_id) {
      return Invalid(field, "differs from item_id");
    }
  }
  if (properties.event_value) {
    const float value = static_cast<float>(*properties.event_value);
    if (!std::isfinite(value))
      return Invalid(path + ".eventValue", "must be a finite float");
    if (!event->has_event_value()) {
      event->set_event_value(value);
    } else if (event->event_value() != value) {
      return Invalid(path + ".eventValue", "differs from event_value");
    }
  }
  if (properties.attribution_source) {
    const std::string field = path + ".eventAttributionSource";
    RETURN_IF_ERROR(ValidateAttributionSource(field, *properties.attribution_source));
    v1::MetricAttribution* attribution = event->mutable_metric_attribution();
    if (attribution->event_attribution_source().empty()) {
      attribution->set_event_attribution_source(*properties.attribution_source);
    } else if (attribution->event_attribution_source() !=
               *properties.attribution_source) {
      return Invalid(field, "differs from metric_attribution.event_attribution_source");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<v1::Event>> CompleteEvents(const v1::PutEventsRequest& request,
                                                      const InteractionsSchema& schema) {
  std::vector<v1::Event> events(request.event_list().begin(), request.event_list().end());
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& event = events[i];
    const std::string path = absl::StrCat("event_list[", i, "].properties");
    ASSIGN_OR_RETURN(EventProperties properties,
                     schema.ValidateProperties(event.properties(), path));
    RETURN_IF_ERROR(MergeProperties(properties, path, &event));
    if (event.event_id().empty()) event.set_event_id(NewUuid());
  }
  return events;
}

}  // namespace recloop
