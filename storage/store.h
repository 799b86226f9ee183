// The one RocksDB database that holds all of recloop's state.
#ifndef RECLOOP_STORAGE_STORE_H_
#define RECLOOP_STORAGE_STORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "storage/disk_space.h"

namespace rocksdb {
class ColumnFamilyHandle;
class CompactionFilter;
class DB;
class EventListener;
class Iterator;
class Slice;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace recloop {

// One column family per kind of data; storage/keys.h documents the layouts.
enum class Cf : int {
  kMeta = 0,
  kEvents,
  kDedup,
  kSessions,
  kServed,
  kJournal,
  kModel,
  kCatalog,
};
inline constexpr int kNumColumnFamilies = 8;

struct StoreOptions {
  std::string path;
  // Create the store when `path` does not exist or is an empty directory.
  // A non-empty directory that holds no store is always an error, so that a
  // wrong path never silently starts empty.
  bool create_if_missing = true;
  // When true every write is fsynced before it is acknowledged (concurrent
  // writers share one fsync). When false a write survives a process crash
  // but not a power loss.
  bool sync_writes = false;
  // Served lists older than this are dropped by compaction.
  absl::Duration served_retention = absl::Hours(24 * 7);
  const Clock* clock = Clock::Real();
  // Tiny memtables and caches, for tests that want flushes and compactions.
  bool small_footprint = false;
  // Block cache shared by every column family.
  size_t block_cache_bytes = 256 << 20;
  // Memtables of all column families together: past this the largest is
  // flushed. (Without it each column family keeps up to 64 MiB, which a
  // soak run showed as RSS still climbing after 10 minutes.)
  size_t write_buffer_bytes = 128 << 20;
  // Free disk space kept in reserve: writes are refused (UNAVAILABLE) while
  // less is free, and Open fails. It must cover a memtable flush (the
  // write buffer) and compactions; 0 turns the check off.
  uint64_t min_free_bytes = uint64_t{256} << 20;
};

// A batch of writes applied atomically by Store::Write.
class WriteBatch {
 public:
  explicit WriteBatch(const class Store& store);
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Cf cf, absl::string_view key, absl::string_view value);
  void Delete(Cf cf, absl::string_view key);
  // Deletes keys in [begin, end).
  void DeleteRange(Cf cf, absl::string_view begin, absl::string_view end);
  int Count() const;
  size_t ByteSize() const;

 private:
  friend class Store;
  std::unique_ptr<rocksdb::WriteBatch> rep_;
  const class Store& store_;
};

// A forward or backward cursor over a key range of one column family.
class Cursor {
 public:
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Positions at the first key >= `key` / the last key < `key` (within the
  // cursor's bounds).
  void Seek(absl::string_view key);
  void SeekBefore(absl::string_view key);
  void SeekToFirst();
  void SeekToLast();
  bool Valid() const;
  void Next();
  void Prev();
  absl::string_view key() const;
  absl::string_view value() const;
  // Not OK when iteration stopped on an I/O error rather than the bounds.
  absl::Status status() const;

 private:
  friend class Store;
  Cursor(std::string lower, std::string upper);
  // The bounds live here because RocksDB keeps pointers to them.
  const std::string lower_;
  const std::string upper_;
  std::unique_ptr<rocksdb::Slice> lower_slice_;
  std::unique_ptr<rocksdb::Slice> upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// The whole store as it was at one moment: cursors bound to it see no
// later write. While it lives RocksDB keeps every version it sees, so hold
// one only as long as a read needs it. Must not outlive its Store.
class Snapshot {
 public:
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

 private:
  friend class Store;
  Snapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot)
      : db_(db), snapshot_(snapshot) {}
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
};

// Thread-safe: any number of threads may read and write concurrently.
class Store {
 public:
  // Opens (or creates, see StoreOptions) the store at options.path. A store
  // locked by another process, or a path that is not a store, gives an error
  // that says so.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Flushes the WAL and closes the database.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // True when Open created a new, empty store.
  bool created() const { return created_; }
  const std::string& path() const { return path_; }

  // Applies the batch atomically; it is in the WAL when this returns OK, and
  // fsynced too when the store syncs writes, unless `may_skip_sync` (for
  // data whose loss in a power cut is acceptable, like served lists).
  // UNAVAILABLE while the disk is below its free-space reserve or the
  // store recovers from a failed write (see writable()); nothing of the
  // batch is written then.
  absl::Status Write(WriteBatch* batch, bool may_skip_sync = false);
  // False while writes are refused: free space is below the reserve, or a
  // write failed and the store waits for space to resume. Reads work
  // either way; writes resume by themselves.
  bool writable();

  // NotFound when the key is absent.
  absl::StatusOr<std::string> Get(Cf cf, absl::string_view key) const;
  // Returns false when absent; fills `value` otherwise.
  absl::StatusOr<bool> Get(Cf cf, absl::string_view key, std::string* value) const;

  // The store as it is now, for reads that must not see later writes.
  std::unique_ptr<Snapshot> NewSnapshot() const;

  // A cursor over keys in [lower, upper); an empty `upper` means unbounded.
  // It reads the store as it is when the cursor is made, or as `snapshot`
  // (when not null) holds it.
  std::unique_ptr<Cursor> NewCursor(Cf cf, absl::string_view lower,
                                    absl::string_view upper,
                                    const Snapshot* snapshot = nullptr) const;
  // A cursor over the keys that start with `prefix`.
  std::unique_ptr<Cursor> NewPrefixCursor(Cf cf, absl::string_view prefix,
                                          const Snapshot* snapshot = nullptr) const;

  // Compacts the whole column family; tests use it to run compaction filters.
  absl::Status CompactAll(Cf cf);
  // Flushes the WAL to disk (fsync), for clean shutdowns.
  absl::Status SyncWal();

 private:
  friend class WriteBatch;
  Store() = default;
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const {
    return handles_[static_cast<int>(cf)];
  }

  // After a failed write or background error: no write reaches RocksDB
  // until Resume() succeeds (writing after an I/O error can assert in
  // RocksDB). Runs on recovery_thread_.
  void MarkFailed(absl::string_view what);
  void RecoveryLoop();
  class FailureListener;

  std::string path_;
  bool created_ = false;
  bool sync_writes_ = false;
  std::unique_ptr<DiskSpace> disk_;
  std::atomic<bool> failed_{false};
  mutable RateLimitedLog error_log_{absl::Seconds(1)};
  absl::Mutex recovery_mu_;
  absl::CondVar recovery_cv_;
  bool stopping_ ABSL_GUARDED_BY(recovery_mu_) = false;
  std::thread recovery_thread_;
  std::shared_ptr<rocksdb::EventListener> listener_;
  // Declared before db_: it must outlive the database that calls it.
  std::unique_ptr<rocksdb::CompactionFilter> served_filter_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumColumnFamilies> handles_{};
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
};
}  // namespace recloop

#endif  // RECLOOP_STORAGE_STORE_H_
