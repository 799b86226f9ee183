// A fixed set of mutexes addressed by key hash, for serializing work on the
// same key (a user, an event id) without a lock per key.
#ifndef RECLOOP_DOMAIN_STRIPE_LOCKS_H_
#define RECLOOP_DOMAIN_STRIPE_LOCKS_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace recloop {

class StripeLocks {
 public:
  static constexpr size_t kStripes = 1024;

  // Holds the stripes of a set of keys until destroyed. Stripes are taken in
  // index order, so two guards can never deadlock.
  class Guard {
   public:
    // The set of locks is dynamic, beyond what the static analysis can see.
    Guard(StripeLocks* locks, const std::vector<absl::string_view>& keys)
        ABSL_NO_THREAD_SAFETY_ANALYSIS : locks_(locks) {
      for (absl::string_view key : keys) stripes_.push_back(locks->StripeOf(key));
      std::sort(stripes_.begin(), stripes_.end());
      stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
      for (size_t s : stripes_) locks_->mu_[s].Lock();
    }
    ~Guard() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
        locks_->mu_[*it].Unlock();
      }
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    StripeLocks* locks_;
    std::vector<size_t> stripes_;
  };

 private:
  size_t StripeOf(absl::string_view key) const {
    return absl::HashOf(key) % kStripes;
  }
  std::array<absl::Mutex, kStripes> mu_;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_STRIPE_LOCKS_H_
