#include "storage/store.h"

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
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/timestamped_value.h"

namespace recloop {
namespace {

constexpr const char* kCfNames[kNumColumnFamilies] = {
    "meta", "events", "dedup", "sessions", "served", "journal", "model"};

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
absl::StatusOr<bool> InspectDataDir(const std::string& path,
                                    bool create_if_missing) {
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
void WriteBatch::DeleteRange(Cf cf, absl::string_view begin,
                             absl::string_view end) {
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
  return FromRocks(it_->status(), "iterating");
}

// --- Store ------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  absl::StatusOr<bool> exists =
      InspectDataDir(options.path, options.create_if_missing);
  if (!exists.ok()) return exists.status();

  auto store = std::unique_ptr<Store>(new Store());
  store->path_ = options.path;
  store->created_ = !*exists;
  store->sync_writes_ = options.sync_writes;
  store->served_filter_ = std::make_unique<ServedRetentionFilter>(
      options.served_retention, options.clock);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !*exists;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.enable_pipelined_write = true;
  db_options.keep_log_file_num = 5;
  if (!options.small_footprint) db_options.db_write_buffer_size = options.write_buffer_bytes;

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
  auto table_factory = std::shared_ptr<rocksdb::TableFactory>(
      rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory = table_factory;
  cf_options.compression = rocksdb::kNoCompression;
  if (options.small_footprint) cf_options.write_buffer_size = 64 << 10;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (int i = 0; i < kNumColumnFamilies; ++i) {
    rocksdb::ColumnFamilyOptions o = cf_options;
    const Cf cf = static_cast<Cf>(i);
    if (cf == Cf::kServed) o.compaction_filter = store->served_filter_.get();
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

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db);
  if (!s.ok()) {
    if (absl::StrContains(s.ToString(), "lock")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data_dir ", options.path,
          " is locked by another process (is another recloopd running on "
          "it?): ",
          s.ToString()));
    }
    return FromRocks(s, absl::StrCat("opening store at ", options.path));
  }
  store->db_.reset(db);
  store->default_handle_ = handles[0];
  for (int i = 0; i < kNumColumnFamilies; ++i) store->handles_[i] = handles[i + 1];
  return store;
}

Store::~Store() {
  if (!db_) return;
  db_->FlushWAL(/*sync=*/true);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->DestroyColumnFamilyHandle(default_handle_);
  db_->Close();
  db_.reset();
}

absl::Status Store::Write(WriteBatch* batch, bool may_skip_sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_ && !may_skip_sync;
  return FromRocks(db_->Write(wo, batch->rep_.get()), "writing");
}

absl::StatusOr<std::string> Store::Get(Cf cf, absl::string_view key) const {
  std::string value;
  absl::StatusOr<bool> found = Get(cf, key, &value);
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("key not found");
  return value;
}

absl::StatusOr<bool> Store::Get(Cf cf, absl::string_view key,
                                std::string* value) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf),
                               rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "reading");
  return true;
}

std::unique_ptr<Cursor> Store::NewCursor(Cf cf, absl::string_view lower,
                                         absl::string_view upper) const {
  auto cursor = std::unique_ptr<Cursor>(
      new Cursor(std::string(lower), std::string(upper)));
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = cursor->lower_slice_.get();
  if (!upper.empty()) ro.iterate_upper_bound = cursor->upper_slice_.get();
  cursor->it_.reset(db_->NewIterator(ro, handle(cf)));
  return cursor;
}

std::unique_ptr<Cursor> Store::NewPrefixCursor(Cf cf,
                                               absl::string_view prefix) const {
  return NewCursor(cf, prefix, PrefixSuccessor(prefix));
}

absl::Status Store::CompactAll(Cf cf) {
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(o, handle(cf), nullptr, nullptr),
                   "compacting");
}

absl::Status Store::SyncWal() {
  return FromRocks(db_->FlushWAL(/*sync=*/true), "syncing WAL");
}

}  // namespace recloop
