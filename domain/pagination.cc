#include "domain/pagination.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace recloop {

std::string EncodeToken(absl::string_view last_name) {
  return absl::WebSafeBase64Escape(last_name);
}

absl::StatusOr<std::string> DecodeToken(absl::string_view token) {
  std::string name;
  if (!token.empty() && !absl::WebSafeBase64Unescape(token, &name)) {
    return absl::InvalidArgumentError("next_token: not a token from a previous page");
  }
  return name;
}

absl::StatusOr<int> PageSize(int max_results) {
  if (max_results < 0 || max_results > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_results: must be 0-", kMaxPageSize));
  }
  return max_results == 0 ? kMaxPageSize : max_results;
}

}  // namespace recloop
