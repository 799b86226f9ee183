#include "domain/learning_windows.h"

namespace recloop {

LearningWindows::LearningWindows(size_t capacity, size_t window)
    : capacity_(capacity), window_(window) {}

void LearningWindows::Touch(std::list<Entry>::iterator it) {
  lru_.splice(lru_.begin(), lru_, it);
}

void LearningWindows::EraseLocked(
    absl::flat_hash_map<Key, std::list<Entry>::iterator>::iterator it) {
  lru_.erase(it->second);
  index_.erase(it);
}

absl::optional<LearningWindows::Hit> LearningWindows::Before(uint32_t group_id,
                                                             absl::string_view identity,
                                                             HistoryPosition position) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(Key(group_id, std::string(identity)));
  if (it == index_.end()) return absl::nullopt;
  Entry& entry = *it->second;
  if (!(entry.newest < position)) {
    // An event older than what is cached: the cached list no longer is the
    // last events, and the caller reads the store.
    EraseLocked(it);
    return absl::nullopt;
  }
  Touch(it->second);
  Hit hit{{}, entry.token};
  hit.items.reserve(entry.events.size());
  for (const PastEvent& e : entry.events) {
    if (!e.item_id.empty()) hit.items.push_back(e);
  }
  return hit;
}

void LearningWindows::Advance(uint32_t group_id, absl::string_view identity, uint64_t token,
                              HistoryPosition position, PastEvent event) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(Key(group_id, std::string(identity)));
  if (it == index_.end()) return;
  Entry& entry = *it->second;
  if (entry.token != token || !(entry.newest < position)) {
    EraseLocked(it);  // someone else recorded an event meanwhile
    return;
  }
  entry.events.push_front(std::move(event));
  if (entry.events.size() > window_) entry.events.pop_back();
  entry.newest = position;
  entry.token = next_token_++;
}

void LearningWindows::Fill(uint32_t group_id, absl::string_view identity,
                           HistoryPosition newest, std::vector<PastEvent> history) {
  if (capacity_ == 0) return;
  absl::MutexLock lock(&mu_);
  Key key(group_id, std::string(identity));
  if (auto it = index_.find(key); it != index_.end()) {
    // A concurrent writer may have filled a newer one already.
    if (!(it->second->newest < newest)) return;
    EraseLocked(it);
  }
  if (history.size() > window_) history.resize(window_);
  lru_.push_front(Entry{key, newest, next_token_++,
                        std::deque<PastEvent>(std::make_move_iterator(history.begin()),
                                              std::make_move_iterator(history.end()))});
  index_.emplace(std::move(key), lru_.begin());
  while (index_.size() > capacity_) EraseLocked(index_.find(lru_.back().key));
}

absl::optional<std::vector<PastEvent>> LearningWindows::Recent(uint32_t group_id,
                                                                absl::string_view identity,
                                                                size_t limit) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(Key(group_id, std::string(identity)));
  if (it == index_.end()) return absl::nullopt;
  const Entry& entry = *it->second;
  if (entry.events.size() < limit && entry.events.size() >= window_) return absl::nullopt;
  Touch(it->second);
  std::vector<PastEvent> items;
  for (size_t i = 0; i < entry.events.size() && i < limit; ++i) {
    if (!entry.events[i].item_id.empty()) items.push_back(entry.events[i]);
  }
  return items;
}

void LearningWindows::Drop(uint32_t group_id, absl::string_view identity) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(Key(group_id, std::string(identity)));
  if (it != index_.end()) EraseLocked(it);
}

void LearningWindows::Clear() {
  absl::MutexLock lock(&mu_);
  index_.clear();
  lru_.clear();
}

size_t LearningWindows::size() const {
  absl::MutexLock lock(&mu_);
  return index_.size();
}

}  // namespace recloop
