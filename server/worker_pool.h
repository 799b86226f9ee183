// WorkerPool: where the server does its blocking work (RocksDB writes,
// stripe and model locks), so that gRPC's callback threads only receive,
// admit or refuse, and hand over. A callback thread that blocked would hold
// back every call behind it, before admission could count it.
#ifndef RECLOOP_SERVER_WORKER_POOL_H_
#define RECLOOP_SERVER_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace recloop {

// Thread-safe.
class WorkerPool {
 public:
  // `threads` workers; at most `max_queued` tasks wait for one.
  WorkerPool(int threads, size_t max_queued);
  // Runs every queued task, then joins the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` dropped) when the queue is full.
  bool TrySubmit(std::function<void()> task);

 private:
  void Work();

  const size_t max_queued_;
  absl::Mutex mu_;
  absl::CondVar work_cv_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace recloop

#endif  // RECLOOP_SERVER_WORKER_POOL_H_
