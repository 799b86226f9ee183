// DiskSpace: whether the store's file system has room for more writes,
// keeping a reserve free.
//
// RocksDB must never run into a full disk: after a failed write it may
// assert on the next one (Debian's build has assertions on), and a flush
// or compaction that fails stops the database. The store refuses writes
// while free space is below the reserve instead, and takes them again when
// space comes back.
#ifndef RECLOOP_STORAGE_DISK_SPACE_H_
#define RECLOOP_STORAGE_DISK_SPACE_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace recloop {

// Thread-safe.
class DiskSpace {
 public:
  // `reserve_bytes` 0: never refuses.
  DiskSpace(std::string path, uint64_t reserve_bytes)
      : path_(std::move(path)), reserve_(reserve_bytes) {}

  // Bytes available to unprivileged writers on the file system of `path`.
  static absl::StatusOr<uint64_t> FreeBytes(const std::string& path);

  // True when at least the reserve is free. Reads the file system's free
  // space at most every few milliseconds, and on every call when within
  // twice the reserve.
  bool HasRoom();
  uint64_t reserve() const { return reserve_; }

 private:
  const std::string path_;
  const uint64_t reserve_;
  std::atomic<int64_t> next_check_nanos_{0};
  // Free bytes at the last check.
  std::atomic<int64_t> estimate_{0};
};

}  // namespace recloop

#endif  // RECLOOP_STORAGE_DISK_SPACE_H_
