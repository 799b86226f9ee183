// Early-return helpers for absl::Status. Debian's Abseil (20220623) has no
// public ABSL_RETURN_IF_ERROR, so the project keeps this one small header.
#ifndef RECLOOP_COMMON_STATUS_MACROS_H_
#define RECLOOP_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    ::absl::Status _recloop_status = (expr);          \
    if (!_recloop_status.ok()) return _recloop_status; \
  } while (0)

#define RECLOOP_CONCAT_INNER_(a, b) a##b
#define RECLOOP_CONCAT_(a, b) RECLOOP_CONCAT_INNER_(a, b)

// `ASSIGN_OR_RETURN(auto x, FnReturningStatusOr());` declares `x` holding the
// value, or returns the error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(RECLOOP_CONCAT_(_recloop_or_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // RECLOOP_COMMON_STATUS_MACROS_H_
