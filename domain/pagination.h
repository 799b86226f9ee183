// Paginated List calls: page sizes and opaque page tokens.
#ifndef RECLOOP_DOMAIN_PAGINATION_H_
#define RECLOOP_DOMAIN_PAGINATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace recloop {

inline constexpr int kMaxPageSize = 100;

// Page tokens are the last name returned, opaque to clients.
std::string EncodeToken(absl::string_view last_name);
// INVALID_ARGUMENT naming next_token when it is not one of ours.
absl::StatusOr<std::string> DecodeToken(absl::string_view token);
// max_results as a page size: 0 is the maximum; INVALID_ARGUMENT outside
// 0-kMaxPageSize.
absl::StatusOr<int> PageSize(int max_results);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_PAGINATION_H_
