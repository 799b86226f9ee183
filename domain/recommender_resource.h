// RecommenderResource: a recommender as the API and the store know it (its
// description, id and status), around the engine's Recommender.
#ifndef RECLOOP_DOMAIN_RECOMMENDER_RESOURCE_H_
#define RECLOOP_DOMAIN_RECOMMENDER_RESOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/recommender.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop {

// Where a recommender is in its life, as Personalize names it
// (Recommender.status). A created recommender is CREATE_IN_PROGRESS while
// it learns the events its group stored before it, then ACTIVE; it serves
// and learns events as they arrive only once ACTIVE.
enum class RecommenderStatus { kCreateInProgress, kActive, kCreateFailed };
inline constexpr char kCreateInProgress[] = "CREATE_IN_PROGRESS";
inline constexpr char kActive[] = "ACTIVE";
inline constexpr char kCreateFailed[] = "CREATE_FAILED";
absl::string_view RecommenderStatusName(RecommenderStatus status);

// Thread-safe.
class RecommenderResource {
 public:
  // Validates the description's recipe and configuration (INVALID_ARGUMENT
  // naming recipe or config.<field>). Its status is the description's
  // (ACTIVE unless it says CREATE_IN_PROGRESS or CREATE_FAILED).
  static absl::StatusOr<std::unique_ptr<RecommenderResource>> Create(
      const v1::Recommender& description, uint32_t id);

  // The description with the current status (and failure reason).
  v1::Recommender description() const;
  const std::string& name() const { return description_.name(); }
  const std::string& dataset_group() const { return description_.dataset_group(); }
  // Its key in the model column family, unique within its dataset group.
  uint32_t id() const { return id_; }
  Recommender& engine() { return engine_; }
  const Recommender& engine() const { return engine_; }
  ItemModel& model() { return engine_.model(); }
  const ItemModel& model() const { return engine_.model(); }

  RecommenderStatus status() const { return status_.load(); }
  bool active() const { return status() == RecommenderStatus::kActive; }
  // CREATE_IN_PROGRESS -> ACTIVE, having learned every event up to
  // `trained_through` from the store. The caller makes sure that no event is
  // being learned meanwhile (it holds writes paused).
  void Activate(uint64_t trained_through);
  // CREATE_IN_PROGRESS -> CREATE_FAILED.
  void Fail(std::string reason);

  // Every journaled event up to this sequence was learned from the store
  // when the recommender was created; replay and live learning skip them.
  uint64_t trained_through() const { return trained_through_.load(); }
  // For a recommender loaded from the store, before it is shared.
  void set_trained_through(uint64_t seq) { trained_through_.store(seq); }

 private:
  RecommenderResource(const v1::Recommender& description, uint32_t id, Recipe recipe,
                      const ModelOptions& options, RecommenderStatus status)
      : description_(description),
        id_(id),
        engine_(description.name(), recipe, options),
        status_(status) {}

  const v1::Recommender description_;
  const uint32_t id_;
  Recommender engine_;
  std::atomic<RecommenderStatus> status_;
  std::atomic<uint64_t> trained_through_{0};
  mutable absl::Mutex mu_;
  std::string failure_reason_ ABSL_GUARDED_BY(mu_);
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECOMMENDER_RESOURCE_H_
