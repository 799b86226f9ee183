#include "domain/schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace recloop {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr char kDefaultSchema[] =
    R"({"type":"record","name":"Interactions",)"
    R"("namespace":"com.amazonaws.personalize.schema","fields":[)"
    R"({"name":"USER_ID","type":"string"},)"
    R"({"name":"ITEM_ID","type":"string"},)"
    R"({"name":"TIMESTAMP","type":"long"},)"
    R"({"name":"EVENT_TYPE","type":"string"},)"
    R"({"name":"EVENT_VALUE","type":"float"},)"
    R"({"name":"IMPRESSION","type":"string"},)"
    R"({"name":"RECOMMENDATION_ID","type":"string"},)"
    R"({"name":"EVENT_ATTRIBUTION_SOURCE","type":"string"}],"version":"1.0"})";

// Keys that PutEvents carries in dedicated fields and never in properties.
const absl::flat_hash_set<std::string>& ReservedPropertyKeys() {
  static const auto* keys = new absl::flat_hash_set<std::string>{
      "userId", "sessionId", "eventType", "timestamp", "recommendationId", "impression"};
  return *keys;
}

absl::Status SchemaError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("schema: ", what));
}

const char* TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "int";
    case FieldType::kLong:
      return "long";
    case FieldType::kFloat:
      return "float";
    case FieldType::kDouble:
      return "double";
    case FieldType::kBoolean:
      return "boolean";
  }
  return "?";
}

absl::optional<FieldType> ParsePrimitive(absl::string_view name) {
  if (name == "string") return FieldType::kString;
  if (name == "int") return FieldType::kInt;
  if (name == "long") return FieldType::kLong;
  if (name == "float") return FieldType::kFloat;
  if (name == "double") return FieldType::kDouble;
  if (name == "boolean") return FieldType::kBoolean;
  return absl::nullopt;
}

bool IsAvroName(absl::string_view s) {
  if (s.empty() || s.size() > 150) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// Reads a field's "type": a primitive name, or a union of one primitive with
// "null".
absl::Status ParseFieldType(const Value& type, const std::string& field,
                            SchemaField* out) {
  if (type.has_string_value()) {
    auto t = ParsePrimitive(type.string_value());
    if (!t) {
      return SchemaError(absl::StrCat("field ", field, ": unsupported type \"",
                                      type.string_value(), "\""));
    }
    out->type = *t;
    return absl::OkStatus();
  }
  if (type.has_list_value()) {
    absl::optional<FieldType> primitive;
    bool has_null = false;
    for (const Value& member : type.list_value().values()) {
      if (!member.has_string_value()) {
        return SchemaError(
            absl::StrCat("field ", field, ": union members must be type names"));
      }
      if (member.string_value() == "null") {
        has_null = true;
        continue;
      }
      auto t = ParsePrimitive(member.string_value());
      if (!t || primitive) {
        return SchemaError(absl::StrCat(
            "field ", field, ": a union must be one primitive type and \"null\""));
      }
      primitive = t;
    }
    if (!primitive) {
      return SchemaError(absl::StrCat("field ", field, ": union has no type"));
    }
    out->type = *primitive;
    out->nullable = has_null;
    return absl::OkStatus();
  }
  return SchemaError(absl::StrCat("field ", field, ": missing or invalid type"));
}

// The types the reserved fields must have (nullable only where noted).
struct ReservedField {
  const char* name;
  std::vector<FieldType> types;
  bool required;
  bool may_be_null;
};

const std::vector<ReservedField>& InteractionsFields() {
  static const auto* fields = new std::vector<ReservedField>{
      {"USER_ID", {FieldType::kString}, true, false},
      {"ITEM_ID", {FieldType::kString}, true, false},
      {"TIMESTAMP", {FieldType::kLong}, true, false},
      {"EVENT_TYPE", {FieldType::kString}, false, false},
      {"EVENT_VALUE", {FieldType::kFloat, FieldType::kDouble}, false, true},
      {"IMPRESSION", {FieldType::kString}, false, true},
      {"RECOMMENDATION_ID", {FieldType::kString}, false, true},
      {"EVENT_ATTRIBUTION_SOURCE", {FieldType::kString}, false, true},
  };
  return *fields;
}

const std::vector<ReservedField>& ItemsFields() {
  static const auto* fields = new std::vector<ReservedField>{
      {"ITEM_ID", {FieldType::kString}, true, false},
      {"CREATION_TIMESTAMP", {FieldType::kLong}, false, true},
  };
  return *fields;
}

const std::vector<ReservedField>& UsersFields() {
  static const auto* fields = new std::vector<ReservedField>{
      {"USER_ID", {FieldType::kString}, true, false},
  };
  return *fields;
}

std::string JsonKind(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "an array";
    default:
      return "nothing";
  }
}

}  // namespace

std::string CamelCaseFieldName(absl::string_view avro_name) {
  std::string out;
  bool upper_next = false;
  for (char c : avro_name) {
    if (c == '_') {
      upper_next = !out.empty();
      continue;
    }
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(upper_next ? static_cast<char>(std::toupper(u))
                             : static_cast<char>(std::tolower(u)));
    upper_next = false;
  }
  return out;
}

namespace {

// One entry of "fields": name, type, categorical.
absl::StatusOr<SchemaField> ParseField(const Value& f) {
  if (!f.has_struct_value()) return SchemaError("every field must be an object");
  const auto& attrs = f.struct_value().fields();
  auto name_it = attrs.find("name");
  if (name_it == attrs.end() || !name_it->second.has_string_value()) {
    return SchemaError("every field needs a \"name\"");
  }
  SchemaField field;
  field.name = name_it->second.string_value();
  if (!IsAvroName(field.name)) {
    return SchemaError(absl::StrCat("invalid field name \"", field.name, "\""));
  }
  auto ftype = attrs.find("type");
  if (ftype == attrs.end()) {
    return SchemaError(absl::StrCat("field ", field.name, ": missing type"));
  }
  RETURN_IF_ERROR(ParseFieldType(ftype->second, field.name, &field));
  auto cat = attrs.find("categorical");
  if (cat != attrs.end()) {
    if (!cat->second.has_bool_value()) {
      return SchemaError(
          absl::StrCat("field ", field.name, ": categorical must be a boolean"));
    }
    field.categorical = cat->second.bool_value();
    if (field.categorical && field.type != FieldType::kString) {
      return SchemaError(
          absl::StrCat("field ", field.name, ": categorical fields must be strings"));
    }
  }
  field.json_key = CamelCaseFieldName(field.name);
  return field;
}

// The reserved fields are there when required, with their types.
absl::Status CheckReservedFields(const std::vector<SchemaField>& fields,
                                 const std::vector<ReservedField>& reserved_fields) {
  for (const ReservedField& reserved : reserved_fields) {
    const SchemaField* found = nullptr;
    for (const SchemaField& f : fields) {
      if (f.name == reserved.name) found = &f;
    }
    if (found == nullptr) {
      if (reserved.required) {
        return SchemaError(absl::StrCat("missing required field ", reserved.name));
      }
      continue;
    }
    bool type_ok = false;
    for (FieldType t : reserved.types) type_ok |= (found->type == t);
    if (!type_ok || (found->nullable && !reserved.may_be_null)) {
      std::string expected = TypeName(reserved.types[0]);
      for (size_t i = 1; i < reserved.types.size(); ++i) {
        absl::StrAppend(&expected, " or ", TypeName(reserved.types[i]));
      }
      return SchemaError(absl::StrCat("field ", reserved.name, " must be of type ",
                                      expected,
                                      reserved.may_be_null ? "" : " (not null)"));
    }
  }
  return absl::OkStatus();
}

// A record schema's fields: "type": "record", a non-empty "fields" array of
// uniquely named fields, and `reserved` as it requires.
absl::Status ParseRecord(const std::string& json, const std::vector<ReservedField>& reserved,
                         std::vector<SchemaField>* fields) {
  Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &root);
  if (!parsed.ok()) {
    return SchemaError(absl::StrCat("not a JSON object: ", parsed.message().as_string()));
  }
  const auto& top = root.fields();
  auto type_it = top.find("type");
  if (type_it == top.end() || type_it->second.string_value() != "record") {
    return SchemaError("\"type\" must be \"record\"");
  }
  auto fields_it = top.find("fields");
  if (fields_it == top.end() || !fields_it->second.has_list_value() ||
      fields_it->second.list_value().values().empty()) {
    return SchemaError("\"fields\" must be a non-empty array");
  }
  absl::flat_hash_set<std::string> names, keys;
  for (const Value& f : fields_it->second.list_value().values()) {
    ASSIGN_OR_RETURN(SchemaField field, ParseField(f));
    if (!names.insert(field.name).second) {
      return SchemaError(absl::StrCat("duplicate field ", field.name));
    }
    if (field.json_key.empty() || !keys.insert(field.json_key).second) {
      return SchemaError(absl::StrCat("field ", field.name, ": its property key \"",
                                      field.json_key, "\" is not unique"));
    }
    fields->push_back(std::move(field));
  }
  return CheckReservedFields(*fields, reserved);
}

// Checks one property value against its field; errors name `path`.
absl::Status CheckValue(const SchemaField& field, const Value& value,
                        const std::string& path) {
  if (value.has_null_value()) {
    if (!field.nullable) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": may not be null"));
    }
    return absl::OkStatus();
  }
  auto mismatch = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected ", expected, " (",
                                                   field.name, " is ", TypeName(field.type),
                                                   "), got ", JsonKind(value)));
  };
  switch (field.type) {
    case FieldType::kString:
      if (!value.has_string_value()) return mismatch("a string");
      break;
    case FieldType::kBoolean:
      if (!value.has_bool_value()) return mismatch("a boolean");
      break;
    case FieldType::kFloat:
    case FieldType::kDouble:
      if (!value.has_number_value()) return mismatch("a number");
      break;
    case FieldType::kInt:
    case FieldType::kLong: {
      if (!value.has_number_value()) return mismatch("an integer");
      double v = value.number_value();
      double limit = field.type == FieldType::kInt ? 2147483648.0 : 9007199254740992.0;
      if (std::floor(v) != v || v < -limit || v >= limit) {
        return mismatch(field.type == FieldType::kInt ? "a 32-bit integer" : "an integer");
      }
      break;
    }
  }
  return absl::OkStatus();
}

// `properties` as a JSON object; errors name `field_path`.
absl::StatusOr<Struct> ParseProperties(absl::string_view properties,
                                       absl::string_view field_path) {
  Struct obj;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(properties), &obj);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": not a JSON object: ", parsed.message().as_string()));
  }
  return obj;
}

}  // namespace

absl::StatusOr<InteractionsSchema> InteractionsSchema::Parse(absl::string_view json) {
  InteractionsSchema schema;
  schema.json_ = json.empty() ? std::string(kDefaultSchema) : std::string(json);
  RETURN_IF_ERROR(ParseRecord(schema.json_, InteractionsFields(), &schema.fields_));
  for (const SchemaField& field : schema.fields_) {
    schema.has_categorical_ |= field.categorical;
  }
  return schema;
}

std::vector<std::string> InteractionsSchema::EventContexts(
    absl::string_view properties) const {
  std::vector<std::string> contexts;
  if (!has_categorical_ || properties.empty()) return contexts;
  absl::StatusOr<EventProperties> parsed = ValidateProperties(properties, "properties");
  if (!parsed.ok()) return contexts;
  for (const auto& [field, value] : parsed->categories) {
    contexts.push_back(absl::StrCat(field, "=", value));
  }
  return contexts;
}

std::vector<std::string> InteractionsSchema::RequestContexts(
    const google::protobuf::Map<std::string, std::string>& context) const {
  std::vector<std::string> contexts;
  for (const auto& [key, value] : context) {
    std::string field = key;
    for (const SchemaField& f : fields_) {
      if (f.name == key || f.json_key == key) field = f.name;
    }
    for (absl::string_view part : absl::StrSplit(value, '|')) {
      if (!part.empty()) contexts.push_back(absl::StrCat(field, "=", part));
    }
  }
  std::sort(contexts.begin(), contexts.end());
  return contexts;
}

const SchemaField* InteractionsSchema::FindByJsonKey(absl::string_view key) const {
  for (const SchemaField& f : fields_) {
    if (f.json_key == key) return &f;
  }
  return nullptr;
}

absl::StatusOr<EventProperties> InteractionsSchema::ValidateProperties(
    absl::string_view properties, absl::string_view field_path) const {
  EventProperties out;
  if (properties.empty()) return out;
  ASSIGN_OR_RETURN(const Struct obj, ParseProperties(properties, field_path));
  for (const auto& [key, value] : obj.fields()) {
    std::string path = absl::StrCat(field_path, ".", key);
    if (ReservedPropertyKeys().contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": reserved key; use the event's own field"));
    }
    const SchemaField* field = FindByJsonKey(key);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a field of the dataset group's schema"));
    }
    RETURN_IF_ERROR(CheckValue(*field, value, path));
    if (value.has_null_value()) continue;
    if (field->categorical) {
      for (absl::string_view part : absl::StrSplit(value.string_value(), '|')) {
        if (!part.empty()) out.categories.emplace_back(field->name, std::string(part));
      }
    }
    if (field->name == "ITEM_ID") out.item_id = value.string_value();
    if (field->name == "EVENT_VALUE") out.event_value = value.number_value();
    if (field->name == "EVENT_ATTRIBUTION_SOURCE") {
      out.attribution_source = value.string_value();
    }
  }
  return out;
}

absl::StatusOr<MetadataSchema> MetadataSchema::Parse(absl::string_view json,
                                                     MetadataKind kind) {
  MetadataSchema schema;
  schema.kind_ = kind;
  schema.json_ = std::string(json);
  const bool items = kind == MetadataKind::kItems;
  absl::Status parsed =
      ParseRecord(schema.json_, items ? ItemsFields() : UsersFields(), &schema.fields_);
  if (!parsed.ok()) {
    // "schema: ..." names the request field this schema came from.
    return absl::InvalidArgumentError(absl::StrCat(
        items ? "items_" : "users_", parsed.message()));
  }
  return schema;
}

absl::Status MetadataSchema::ValidateProperties(absl::string_view properties,
                                                absl::string_view field_path) const {
  const bool items = kind_ == MetadataKind::kItems;
  const size_t limit = items ? kMaxItemProperties : kMaxUserProperties;
  if (properties.size() > limit) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": at most ", limit, " characters"));
  }
  if (properties.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const Struct obj, ParseProperties(properties, field_path));
  const absl::string_view id_field = items ? "ITEM_ID" : "USER_ID";
  for (const auto& [key, value] : obj.fields()) {
    std::string path = absl::StrCat(field_path, ".", key);
    const SchemaField* field = nullptr;
    for (const SchemaField& f : fields_) {
      if (f.json_key == key) field = &f;
    }
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not a field of the dataset group's ", items ? "Items" : "Users",
          " schema"));
    }
    if (field->name == id_field) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": reserved key; use the record's ", items ? "item_id" : "user_id"));
    }
    RETURN_IF_ERROR(CheckValue(*field, value, path));
  }
  return absl::OkStatus();
}

}  // namespace recloop
