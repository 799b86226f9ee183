#include "domain/catalog.h"

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/keys.h"

namespace recloop {
namespace {

constexpr int kMaxRecordsPerCall = 10;
constexpr size_t kMaxIdLength = 256;

// What differs between items and users.
struct Dataset {
  MetadataKind kind;
  CatalogKind key_kind;
  const char* records;  // The request field: "items" or "users".
  const char* id;       // The record's id field: "item_id" or "user_id".
  const char* schema;   // The group field: "items_schema" or "users_schema".
};

constexpr Dataset kItems{MetadataKind::kItems, CatalogKind::kItem, "items", "item_id",
                         "items_schema"};
constexpr Dataset kUsers{MetadataKind::kUsers, CatalogKind::kUser, "users", "user_id",
                         "users_schema"};

const absl::optional<MetadataSchema>& SchemaOf(const DatasetGroupState& group,
                                               const Dataset& dataset) {
  return dataset.kind == MetadataKind::kItems ? group.items_schema : group.users_schema;
}

absl::Status ValidateId(absl::string_view id, absl::string_view path) {
  if (id.empty() || id.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": must be 1-", kMaxIdLength, " characters"));
  }
  return absl::OkStatus();
}

// Validates and stores `records` (v1::Item or v1::User) in one write.
template <typename Record>
absl::Status PutRecords(Store* store, const DatasetGroupState& group, const Dataset& dataset,
                        const google::protobuf::RepeatedPtrField<Record>& records,
                        absl::FunctionRef<const std::string&(const Record&)> id_of) {
  const absl::optional<MetadataSchema>& schema = SchemaOf(group, dataset);
  if (!schema) {
    return absl::FailedPreconditionError(
        absl::StrCat("dataset group ", group.description.name(), " has no ", dataset.schema,
                     "; create the group with one to put ", dataset.records));
  }
  if (records.empty() || records.size() > kMaxRecordsPerCall) {
    return absl::InvalidArgumentError(
        absl::StrCat(dataset.records, ": 1-", kMaxRecordsPerCall, " records per call"));
  }
  WriteBatch batch(*store);
  for (int i = 0; i < records.size(); ++i) {
    const Record& record = records[i];
    const std::string path = absl::StrCat(dataset.records, "[", i, "]");
    RETURN_IF_ERROR(ValidateId(id_of(record), absl::StrCat(path, ".", dataset.id)));
    RETURN_IF_ERROR(
        schema->ValidateProperties(record.properties(), absl::StrCat(path, ".properties")));
    batch.Put(Cf::kCatalog, CatalogKey(group.id, dataset.key_kind, id_of(record)),
              record.SerializeAsString());
  }
  return store->Write(&batch);
}

template <typename Record>
absl::StatusOr<Record> GetRecord(const Store& store, const DatasetGroupState& group,
                                 const Dataset& dataset, absl::string_view id) {
  RETURN_IF_ERROR(ValidateId(id, dataset.id));
  std::string raw;
  ASSIGN_OR_RETURN(bool found,
                   store.Get(Cf::kCatalog, CatalogKey(group.id, dataset.key_kind, id), &raw));
  Record record;
  if (!found) {
    return absl::NotFoundError(absl::StrCat(dataset.id, ": ", id, " not found in dataset group ",
                                            group.description.name()));
  }
  if (!record.ParseFromString(raw)) {
    return absl::DataLossError(absl::StrCat("stored metadata of ", id, " is corrupt"));
  }
  return record;
}

}  // namespace

absl::Status Catalog::PutItems(const DatasetGroupState& group,
                               const v1::PutItemsRequest& request) {
  return PutRecords<v1::Item>(store_, group, kItems, request.items(),
                              [](const v1::Item& item) -> const std::string& {
                                return item.item_id();
                              });
}

absl::Status Catalog::PutUsers(const DatasetGroupState& group,
                               const v1::PutUsersRequest& request) {
  return PutRecords<v1::User>(store_, group, kUsers, request.users(),
                              [](const v1::User& user) -> const std::string& {
                                return user.user_id();
                              });
}

absl::StatusOr<v1::Item> Catalog::GetItem(const DatasetGroupState& group,
                                          absl::string_view item_id) const {
  return GetRecord<v1::Item>(*store_, group, kItems, item_id);
}

absl::StatusOr<v1::User> Catalog::GetUser(const DatasetGroupState& group,
                                          absl::string_view user_id) const {
  return GetRecord<v1::User>(*store_, group, kUsers, user_id);
}

}  // namespace recloop
