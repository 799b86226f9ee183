// The schemas of a dataset group's datasets, in Personalize's Avro JSON form:
// Interactions (events), and Items and Users (metadata).
#ifndef RECLOOP_DOMAIN_SCHEMA_H_
#define RECLOOP_DOMAIN_SCHEMA_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/protobuf/map.h"

namespace recloop {

enum class FieldType { kString, kInt, kLong, kFloat, kDouble, kBoolean };

struct SchemaField {
  std::string name;        // As declared, for example NUM_RATINGS.
  std::string json_key;    // Its key in Event.properties: numRatings.
  FieldType type;
  bool nullable = false;   // Declared as a union with "null".
  bool categorical = false;
};

// What an event's properties carry, once validated.
struct EventProperties {
  // Values of categorical string fields, as (field name, value), for
  // context-aware recommendations. A value "a|b" holds two categories.
  std::vector<std::pair<std::string, std::string>> categories;
  // `itemId`, `eventValue` and `eventAttributionSource` from properties,
  // Personalize's older way of sending them.
  absl::optional<std::string> item_id;
  absl::optional<double> event_value;
  absl::optional<std::string> attribution_source;
};

// Immutable after Parse; safe to share between threads.
class InteractionsSchema {
 public:
  // Parses `json`; an empty string means the default schema (USER_ID,
  // ITEM_ID, TIMESTAMP, EVENT_TYPE, EVENT_VALUE, IMPRESSION,
  // RECOMMENDATION_ID, EVENT_ATTRIBUTION_SOURCE). Errors are
  // INVALID_ARGUMENT and say what is wrong, prefixed with "schema: ".
  static absl::StatusOr<InteractionsSchema> Parse(absl::string_view json);

  // The schema text: as given, or the default schema's JSON.
  const std::string& json() const { return json_; }
  const std::vector<SchemaField>& fields() const { return fields_; }
  const SchemaField* FindByJsonKey(absl::string_view key) const;

  // Validates an event's `properties` string against the schema. Errors are
  // INVALID_ARGUMENT messages that start with `field_path`, for example
  // "event_list[2].properties.numRatings: expected an integer".
  absl::StatusOr<EventProperties> ValidateProperties(
      absl::string_view properties, absl::string_view field_path) const;

  bool has_categorical() const { return has_categorical_; }
  // The categorical values of stored (already validated) properties, as
  // context keys "FIELD=value".
  std::vector<std::string> EventContexts(absl::string_view properties) const;
  // A request's context as context keys "FIELD=value". A key names a field
  // by its name (DEVICE) or property key (device); a value may hold several
  // categories separated by '|'.
  std::vector<std::string> RequestContexts(
      const google::protobuf::Map<std::string, std::string>& context) const;

 private:
  std::string json_;
  std::vector<SchemaField> fields_;
  bool has_categorical_ = false;
};

// Which metadata dataset a MetadataSchema describes.
enum class MetadataKind { kItems, kUsers };

// The longest properties of an item and of a user, as in Personalize.
inline constexpr size_t kMaxItemProperties = 32000;
inline constexpr size_t kMaxUserProperties = 24000;

// An Items or Users schema of a dataset group, in Personalize's Avro JSON
// form. Immutable after Parse; safe to share between threads.
class MetadataSchema {
 public:
  // Items: ITEM_ID (string) is required, CREATION_TIMESTAMP (long) may be
  // declared; Users: USER_ID (string) is required. Custom fields as in an
  // Interactions schema. Errors are INVALID_ARGUMENT prefixed with
  // "items_schema: " or "users_schema: ".
  static absl::StatusOr<MetadataSchema> Parse(absl::string_view json, MetadataKind kind);

  const std::string& json() const { return json_; }
  const std::vector<SchemaField>& fields() const { return fields_; }
  MetadataKind kind() const { return kind_; }

  // Validates a record's `properties`: a JSON object of at most
  // kMaxItemProperties (kMaxUserProperties) characters keyed by the
  // camelCase names of the schema's fields, except the id field, which the
  // record carries itself. Errors are INVALID_ARGUMENT messages that start
  // with `field_path`, for example "items[3].properties.price: expected a
  // number (PRICE is double), got a string".
  absl::Status ValidateProperties(absl::string_view properties,
                                  absl::string_view field_path) const;

 private:
  std::string json_;
  std::vector<SchemaField> fields_;
  MetadataKind kind_ = MetadataKind::kItems;
};

// NUM_RATINGS -> numRatings, EVENT_ATTRIBUTION_SOURCE -> eventAttributionSource.
std::string CamelCaseFieldName(absl::string_view avro_name);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_SCHEMA_H_
