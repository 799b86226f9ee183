#include "storage/disk_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace recloop {
namespace {

// How long a free-space reading stands for, far from the reserve.
constexpr int64_t kCheckIntervalNanos = 20'000'000;

}  // namespace

absl::StatusOr<uint64_t> DiskSpace::FreeBytes(const std::string& path) {
  struct statvfs fs;
  if (statvfs(path.c_str(), &fs) != 0) {
    return absl::InternalError(absl::StrCat("statvfs: ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

bool DiskSpace::HasRoom() {
  if (reserve_ == 0) return true;
  const int64_t now = absl::GetCurrentTimeNanos();
  const int64_t reserve = static_cast<int64_t>(reserve_);
  int64_t estimate = estimate_.load();
  if (now >= next_check_nanos_.load() || estimate < 2 * reserve) {
    absl::StatusOr<uint64_t> free = FreeBytes(path_);
    if (!free.ok()) return false;
    estimate = static_cast<int64_t>(*free);
    estimate_.store(estimate);
    next_check_nanos_.store(now + kCheckIntervalNanos);
  }
  return estimate >= reserve;
}

}  // namespace recloop
