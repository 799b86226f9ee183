#include "client/event_import.h"

#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace recloop::client {
namespace {

using google::protobuf::Value;

const absl::flat_hash_set<std::string>& KnownFields() {
  static const auto* fields = new absl::flat_hash_set<std::string>{
      "user_id",    "session_id", "event_type",        "item_id",
      "event_value", "sent_at",   "event_id",          "recommendation_id",
      "impression", "properties", "attribution_source", "tracking_id"};
  return *fields;
}

absl::Status FieldError(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

absl::StatusOr<std::string> AsText(absl::string_view field, const Value& value) {
  switch (value.kind_case()) {
    case Value::kStringValue:
      return value.string_value();
    case Value::kNumberValue: {
      const double n = value.number_value();
      if (n == std::floor(n) && std::fabs(n) < 1e15) return absl::StrCat(static_cast<int64_t>(n));
      return absl::StrCat(n);
    }
    default:
      return FieldError(field, "must be a string");
  }
}

absl::StatusOr<google::protobuf::Timestamp> ParseSentAt(const Value& value) {
  absl::Time t;
  if (value.kind_case() == Value::kNumberValue) {
    t = absl::FromUnixMicros(static_cast<int64_t>(std::llround(value.number_value() * 1e6)));
  } else if (value.kind_case() == Value::kStringValue) {
    const std::string& text = value.string_value();
    double seconds;
    std::string err;
    if (absl::SimpleAtod(text, &seconds)) {
      t = absl::FromUnixMicros(static_cast<int64_t>(std::llround(seconds * 1e6)));
    } else if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
      return FieldError("sent_at", absl::StrCat("\"", text,
                                                "\" is neither RFC 3339 nor unix seconds"));
    }
  } else {
    return FieldError("sent_at", "must be RFC 3339 text or unix seconds");
  }
  return ToProtoTimestamp(t);
}

// Sets one named field of `out` from `value`.
absl::Status SetField(const std::string& field, const Value& value, ImportedEvent* out) {
  if (value.kind_case() == Value::kNullValue) return absl::OkStatus();
  v1::Event& event = out->event;
  if (field == "sent_at") {
    auto sent_at = ParseSentAt(value);
    if (!sent_at.ok()) return sent_at.status();
    *event.mutable_sent_at() = *sent_at;
    return absl::OkStatus();
  }
  if (field == "event_value") {
    double number;
    if (value.kind_case() == Value::kNumberValue) {
      number = value.number_value();
    } else if (value.kind_case() != Value::kStringValue ||
               !absl::SimpleAtod(value.string_value(), &number)) {
      return FieldError(field, "must be a number");
    }
    event.set_event_value(static_cast<float>(number));
    return absl::OkStatus();
  }
  if (field == "impression") {
    if (value.kind_case() == Value::kListValue) {
      for (const Value& item : value.list_value().values()) {
        auto text = AsText(field, item);
        if (!text.ok()) return text.status();
        event.add_impression(*text);
      }
    } else if (value.kind_case() == Value::kStringValue) {
      for (absl::string_view item :
           absl::StrSplit(value.string_value(), '|', absl::SkipEmpty())) {
        event.add_impression(std::string(item));
      }
    } else {
      return FieldError(field, "must be a list of item ids or text like \"a|b\"");
    }
    return absl::OkStatus();
  }
  if (field == "properties" && value.kind_case() == Value::kStructValue) {
    std::string json;
    auto printed = google::protobuf::util::MessageToJsonString(value.struct_value(), &json);
    if (!printed.ok()) return FieldError(field, printed.message().as_string());
    event.set_properties(json);
    return absl::OkStatus();
  }
  auto text = AsText(field, value);
  if (!text.ok()) return text.status();
  if (field == "user_id") {
    out->user_id = *text;
  } else if (field == "session_id") {
    out->session_id = *text;
  } else if (field == "tracking_id") {
    out->tracking_id = *text;
  } else if (field == "event_type") {
    event.set_event_type(*text);
  } else if (field == "item_id") {
    event.set_item_id(*text);
  } else if (field == "event_id") {
    event.set_event_id(*text);
  } else if (field == "recommendation_id") {
    event.set_recommendation_id(*text);
  } else if (field == "properties") {
    event.set_properties(*text);
  } else if (field == "attribution_source") {
    event.mutable_metric_attribution()->set_event_attribution_source(*text);
  } else {
    return FieldError(field, "unknown field");
  }
  return absl::OkStatus();
}

// Fills what the line left out, and checks what the buffer needs.
absl::Status Complete(const ImportDefaults& defaults, ImportedEvent* out) {
  if (out->tracking_id.empty()) out->tracking_id = defaults.tracking_id;
  if (out->session_id.empty()) {
    out->session_id = defaults.session_id.empty() ? out->user_id : defaults.session_id;
  }
  if (out->event.event_type().empty()) out->event.set_event_type(defaults.event_type);
  if (out->tracking_id.empty()) {
    return FieldError("tracking_id", "is required (a field, or --tracking_id)");
  }
  if (out->session_id.empty()) {
    return FieldError("session_id", "is required (session_id or user_id, or --session_id)");
  }
  if (out->event.event_type().empty()) {
    return FieldError("event_type", "is required (a field, or --event_type)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImportedEvent> ParseJsonLine(absl::string_view line,
                                            const ImportDefaults& defaults) {
  google::protobuf::Struct object;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(line), &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", parsed.message().as_string()));
  }
  ImportedEvent out;
  for (const auto& [field, value] : object.fields()) {
    if (!KnownFields().contains(field)) return FieldError(field, "unknown field");
    if (auto set = SetField(field, value, &out); !set.ok()) return set;
  }
  if (auto done = Complete(defaults, &out); !done.ok()) return done;
  return out;
}

absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return absl::InvalidArgumentError("unterminated quoted field");
  return fields;
}

absl::StatusOr<CsvEventReader> CsvEventReader::Create(absl::string_view header,
                                                      ImportDefaults defaults) {
  auto names = SplitCsvLine(header);
  if (!names.ok()) return names.status();
  std::vector<std::string> columns;
  absl::flat_hash_set<std::string> seen;
  for (std::string name : *names) {
    name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
    if (name == "timestamp") name = "sent_at";
    if (!KnownFields().contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat("header: unknown column \"", name, "\""));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("header: column \"", name, "\" twice"));
    }
    columns.push_back(name);
  }
  return CsvEventReader(std::move(columns), std::move(defaults));
}

absl::StatusOr<ImportedEvent> CsvEventReader::Parse(absl::string_view line) const {
  auto fields = SplitCsvLine(line);
  if (!fields.ok()) return fields.status();
  if (fields->size() != columns_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(fields->size(), " fields, the header has ",
                                                   columns_.size()));
  }
  ImportedEvent out;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if ((*fields)[i].empty()) continue;
    Value value;
    value.set_string_value((*fields)[i]);
    if (auto set = SetField(columns_[i], value, &out); !set.ok()) return set;
  }
  if (auto done = Complete(defaults_, &out); !done.ok()) return done;
  return out;
}

}  // namespace recloop::client
