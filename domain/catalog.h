// Catalog: item and user metadata of a dataset group (PutItems, PutUsers,
// GetItem, GetUser), checked against the group's Items and Users schemas
// and stored in the catalog column family.
#ifndef RECLOOP_DOMAIN_CATALOG_H_
#define RECLOOP_DOMAIN_CATALOG_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/registry.h"
#include "recloop/v1/recloop.pb.h"
#include "storage/store.h"

namespace recloop {

// Thread-safe.
class Catalog {
 public:
  explicit Catalog(Store* store) : store_(store) {}

  // Stores 1-10 records in one write, each replacing the record of its id:
  // FAILED_PRECONDITION when the group has no schema for them,
  // INVALID_ARGUMENT naming the record index and field (nothing stored).
  // The caller keeps the group from being deleted meanwhile.
  absl::Status PutItems(const DatasetGroupState& group, const v1::PutItemsRequest& request);
  absl::Status PutUsers(const DatasetGroupState& group, const v1::PutUsersRequest& request);

  // The stored record; NOT_FOUND when there is none.
  absl::StatusOr<v1::Item> GetItem(const DatasetGroupState& group,
                                   absl::string_view item_id) const;
  absl::StatusOr<v1::User> GetUser(const DatasetGroupState& group,
                                   absl::string_view user_id) const;

 private:
  Store* const store_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_CATALOG_H_
