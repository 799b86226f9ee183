#include "storage/store.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/compaction_filter.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/timestamped_value.h"

namespace recloop {
namespace {

constexpr const char* kCfNames[kNumColumnFamilies] = {
    "meta", "events", "dedup", "sessions", "served", "journal", "model", "catalog"};

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return absl::UnavailableError(msg);
  }
  if (s.IsCorruption()) return absl::DataLossError(msg);
  return absl::InternalError(msg);
}

// Without a reserve, writes resume once this much is free again.
constexpr uint64_t kMinFreeToResume = 4 << 20;

constexpr char kOutOfSpace[] =
    "store is out of disk space; writes resume by themselves when space is freed";

// An error for a client: what failed, never the server's paths or RocksDB's
// wording (those go to `log`).
absl::Status ForClient(const rocksdb::Status& s, absl::string_view context,
                       RateLimitedLog* log) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(context, ": not found"));
  log->Error(absl::StrCat("store: ", context, ": ", s.ToString()));
  if (s.IsNoSpace()) return absl::UnavailableError(kOutOfSpace);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return absl::UnavailableError(absl::StrCat("store busy while ", context, "; retry"));
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat("stored data is corrupt (", context, ")"));
  }
  return absl::InternalError(
      absl::StrCat("store error while ", context, " (the server log has the details)"));
}

// Drops served lists once they are older than the retention. Reads check
// the age as well, because compaction runs late or not at all.
class ServedRetentionFilter final : public rocksdb::CompactionFilter {
 public:
  ServedRetentionFilter(absl::Duration retention, const Clock* clock)
      : retention_(retention), clock_(clock) {}

  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/,
              const rocksdb::Slice& existing_value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    auto value = DecodeTimestampedValue(
        absl::string_view(existing_value.data(), existing_value.size()));
    if (!value) return true;  // Unreadable: nothing can use it.
    return value->created + retention_ < clock_->Now();
  }
  const char* Name() const override { return "recloop.ServedRetention"; }

 private:
  absl::Duration retention_;
  const Clock* clock_;
};

// Explains why the directory can't be opened or created, or says whether a
// store already exists there.
absl::StatusOr<bool> InspectDataDir(const std::string& path, bool create_if_missing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::FailedPreconditionError(
        absl::StrCat("data_dir ", path, ": ", ec.message()));
  }
  if (!fs::exists(st)) {
    if (!create_if_missing) {
      return absl::NotFoundError(absl::StrCat("data_dir ", path, " does not exist"));
    }
    fs::create_directories(path, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("data_dir ", path, ": cannot create: ", ec.message()));
    }
    return false;
  }
  if (!fs::is_directory(st)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data_dir ", path, " exists and is not a directory"));
  }
  if (fs::exists(fs::path(path) / "CURRENT")) return true;
  if (!fs::is_empty(path, ec) || ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data_dir ", path,
        " is not empty and holds no recloop store; refusing to start on it"));
  }
  if (!create_if_missing) {
    return absl::NotFoundError(absl::StrCat("data_dir ", path, " holds no store"));
  }
  return false;
}

}  // namespace

// --- WriteBatch -------------------------------------------------------------

WriteBatch::WriteBatch(const Store& store)
    : rep_(std::make_unique<rocksdb::WriteBatch>()), store_(store) {}
WriteBatch::~WriteBatch() = default;

void WriteBatch::Put(Cf cf, absl::string_view key, absl::string_view value) {
  rep_->Put(store_.handle(cf), rocksdb::Slice(key.data(), key.size()),
            rocksdb::Slice(value.data(), value.size()));
}
void WriteBatch::Delete(Cf cf, absl::string_view key) {
  rep_->Delete(store_.handle(cf), rocksdb::Slice(key.data(), key.size()));
}
void WriteBatch::DeleteRange(Cf cf, absl::string_view begin, absl::string_view end) {
  rep_->DeleteRange(store_.handle(cf), rocksdb::Slice(begin.data(), begin.size()),
                    rocksdb::Slice(end.data(), end.size()));
}
int WriteBatch::Count() const { return rep_->Count(); }
size_t WriteBatch::ByteSize() const { return rep_->GetDataSize(); }

// --- Cursor -----------------------------------------------------------------

Cursor::Cursor(std::string lower, std::string upper)
    : lower_(std::move(lower)),
      upper_(std::move(upper)),
      lower_slice_(std::make_unique<rocksdb::Slice>(lower_)),
      upper_slice_(std::make_unique<rocksdb::Slice>(upper_)) {}
Cursor::~Cursor() = default;

void Cursor::Seek(absl::string_view key) {
  it_->Seek(rocksdb::Slice(key.data(), key.size()));
}
void Cursor::SeekBefore(absl::string_view key) {
  it_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
  if (it_->Valid() && it_->key() == rocksdb::Slice(key.data(), key.size())) {
    it_->Prev();
  }
}
void Cursor::SeekToFirst() { it_->SeekToFirst(); }
void Cursor::SeekToLast() { it_->SeekToLast(); }
bool Cursor::Valid() const { return it_->Valid(); }
void Cursor::Next() { it_->Next(); }
void Cursor::Prev() { it_->Prev(); }
absl::string_view Cursor::key() const {
  rocksdb::Slice k = it_->key();
  return absl::string_view(k.data(), k.size());
}
absl::string_view Cursor::value() const {
  rocksdb::Slice v = it_->value();
  return absl::string_view(v.data(), v.size());
}
absl::Status Cursor::status() const {
  static RateLimitedLog log(absl::Seconds(1));
  return ForClient(it_->status(), "reading", &log);
}

// Turns RocksDB's background errors (a flush or compaction that failed,
// for example on a full disk) into refused writes until recovery.
class Store::FailureListener final : public rocksdb::EventListener {
 public:
  explicit FailureListener(Store* store) : store_(store) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                         rocksdb::Status* error) override {
    store_->MarkFailed(error->ToString());
  }
  // The store resumes on its own schedule (RecoveryLoop), from the free
  // space it checks; RocksDB's own recovery of a full disk, running beside
  // it, made every Resume() answer Busy.
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                            rocksdb::Status /*error*/, bool* auto_recovery) override {
    *auto_recovery = false;
  }

 private:
  Store* const store_;
};

namespace {

// The column families' options: one block cache and table format for all,
// `served_filter` on the served lists.
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(
    const StoreOptions& options, const rocksdb::CompactionFilter* served_filter) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(
      options.small_footprint ? (1 << 20) : options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  // Partitioned index and filters: a point lookup (dedup keys, sessions,
  // served lists) reads one small filter partition, not the whole filter of
  // a large table. With whole filters, block-cache churn made every Get
  // re-read and checksum megabytes once the store held millions of events
  // (60% of the load benchmark's time at 2-5M events).
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  auto table_factory =
      std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory = table_factory;
  cf_options.compression = rocksdb::kNoCompression;
  if (options.small_footprint) cf_options.write_buffer_size = 64 << 10;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (int i = 0; i < kNumColumnFamilies; ++i) {
    rocksdb::ColumnFamilyOptions o = cf_options;
    const Cf cf = static_cast<Cf>(i);
    if (cf == Cf::kServed) o.compaction_filter = served_filter;
    if (cf == Cf::kDedup || cf == Cf::kSessions || cf == Cf::kServed) {
      // Point lookups that mostly miss (a new event id, a new session, an
      // unknown recommendation id) are answered by a bloom filter over the
      // memtable instead of a skiplist search: perf under ghz PutEvents
      // showed memtable searches for those Gets at ~14% of server CPU.
      o.memtable_whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.05;
    }
    descriptors.emplace_back(kCfNames[i], o);
  }

  return descriptors;
}

}  // namespace

// --- Store ------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  absl::StatusOr<bool> exists = InspectDataDir(options.path, options.create_if_missing);
  if (!exists.ok()) return exists.status();

  if (options.min_free_bytes > 0) {
    absl::StatusOr<uint64_t> free = DiskSpace::FreeBytes(options.path);
    if (free.ok() && *free < options.min_free_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "data_dir ", options.path, " has ", *free >> 20, " MiB free, below the ",
          options.min_free_bytes >> 20,
          " MiB reserve (--min_free_disk_bytes): free space, or lower the reserve"));
    }
  }
  auto store = std::unique_ptr<Store>(new Store());
  store->path_ = options.path;
  store->disk_ = std::make_unique<DiskSpace>(options.path, options.min_free_bytes);
  store->listener_ = std::make_shared<FailureListener>(store.get());
  store->created_ = !*exists;
  store->sync_writes_ = options.sync_writes;
  store->served_filter_ =
      std::make_unique<ServedRetentionFilter>(options.served_retention, options.clock);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !*exists;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.enable_pipelined_write = true;
  db_options.keep_log_file_num = 5;
  db_options.listeners.push_back(store->listener_);
  if (!options.small_footprint)
    db_options.db_write_buffer_size = options.write_buffer_bytes;

  const std::vector<rocksdb::ColumnFamilyDescriptor> descriptors =
      ColumnFamilies(options, store->served_filter_.get());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db);
  if (!s.ok()) {
    if (absl::StrContains(s.ToString(), "lock")) {
      return absl::FailedPreconditionError(
          absl::StrCat("data_dir ", options.path,
                       " is locked by another process (is another recloopd running on "
                       "it?): ",
                       s.ToString()));
    }
    return FromRocks(s, absl::StrCat("opening store at ", options.path));
  }
  store->db_.reset(db);
  store->default_handle_ = handles[0];
  for (int i = 0; i < kNumColumnFamilies; ++i) store->handles_[i] = handles[i + 1];
  store->recovery_thread_ = std::thread([s = store.get()] { s->RecoveryLoop(); });
  return store;
}

Store::~Store() {
  {
    absl::MutexLock lock(&recovery_mu_);
    stopping_ = true;
    recovery_cv_.Signal();
  }
  if (recovery_thread_.joinable()) recovery_thread_.join();
  if (!db_) return;
  // A WAL that failed a write must not be written again (RocksDB asserts);
  // what it acknowledged is in the OS already.
  if (!failed_.load()) db_->FlushWAL(/*sync=*/true);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->DestroyColumnFamilyHandle(default_handle_);
  db_->Close();
  db_.reset();
}

absl::Status Store::Write(WriteBatch* batch, bool may_skip_sync) {
  if (failed_.load()) return absl::UnavailableError(kOutOfSpace);
  // The reserve, not the batch, decides (a batch is far smaller), so that
  // writable() and the health service agree with what writes get.
  if (!disk_->HasRoom()) return absl::UnavailableError(kOutOfSpace);
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_ && !may_skip_sync;
  const rocksdb::Status s = db_->Write(wo, batch->rep_.get());
  if (s.IsIOError() || s.IsNoSpace()) MarkFailed(s.ToString());
  return ForClient(s, "writing", &error_log_);
}

bool Store::writable() { return !failed_.load() && disk_->HasRoom(); }

void Store::MarkFailed(absl::string_view what) {
  if (failed_.exchange(true)) return;
  LogError(
      absl::StrCat("store: writes refused until space is freed and the store "
                   "resumes: ",
                   what));
  absl::MutexLock lock(&recovery_mu_);
  recovery_cv_.Signal();
}

void Store::RecoveryLoop() {
  absl::MutexLock lock(&recovery_mu_);
  while (!stopping_) {
    recovery_cv_.WaitWithTimeout(&recovery_mu_, absl::Milliseconds(200));
    if (stopping_ || !failed_.load()) continue;
    absl::StatusOr<uint64_t> free = DiskSpace::FreeBytes(path_);
    if (!free.ok() || *free < std::max<uint64_t>(disk_->reserve(), kMinFreeToResume))
      continue;
    // Resume() clears a background error; a failed WAL write may have left
    // none, and its log writer must never be written again. A flush moves
    // every column family to a new memtable and WAL, and the failed writer
    // is closed once its data is in table files.
    rocksdb::Status resumed = db_->Resume();
    if (resumed.ok()) {
      rocksdb::FlushOptions flush;
      flush.allow_write_stall = true;
      std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(), handles_.end());
      resumed = db_->Flush(flush, all);
    }
    if (resumed.ok()) {
      failed_.store(false);
      LogInfo("store: disk space is back; writes resumed");
    } else {
      error_log_.Error(absl::StrCat("store: resuming failed: ", resumed.ToString()));
    }
  }
}

absl::StatusOr<std::string> Store::Get(Cf cf, absl::string_view key) const {
  std::string value;
  absl::StatusOr<bool> found = Get(cf, key, &value);
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("key not found");
  return value;
}

absl::StatusOr<bool> Store::Get(Cf cf, absl::string_view key, std::string* value) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf),
                               rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return ForClient(s, "reading", &error_log_);
  return true;
}

// --- Snapshot ---------------------------------------------------------------

Snapshot::~Snapshot() { db_->ReleaseSnapshot(snapshot_); }

std::unique_ptr<Snapshot> Store::NewSnapshot() const {
  return std::unique_ptr<Snapshot>(new Snapshot(db_.get(), db_->GetSnapshot()));
}

std::unique_ptr<Cursor> Store::NewCursor(Cf cf, absl::string_view lower,
                                         absl::string_view upper,
                                         const Snapshot* snapshot) const {
  auto cursor = std::unique_ptr<Cursor>(
      new Cursor(std::string(lower), std::string(upper)));
  rocksdb::ReadOptions ro;
  if (snapshot != nullptr) ro.snapshot = snapshot->snapshot_;
  ro.iterate_lower_bound = cursor->lower_slice_.get();
  if (!upper.empty()) ro.iterate_upper_bound = cursor->upper_slice_.get();
  cursor->it_.reset(db_->NewIterator(ro, handle(cf)));
  return cursor;
}

std::unique_ptr<Cursor> Store::NewPrefixCursor(Cf cf, absl::string_view prefix,
                                               const Snapshot* snapshot) const {
  return NewCursor(cf, prefix, PrefixSuccessor(prefix), snapshot);
}

absl::Status Store::CompactAll(Cf cf) {
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(o, handle(cf), nullptr, nullptr), "compacting");
}

absl::Status Store::SyncWal() {
  if (failed_.load()) return absl::UnavailableError(kOutOfSpace);
  return FromRocks(db_->FlushWAL(/*sync=*/true), "syncing WAL");
}

}  // namespace recloop
