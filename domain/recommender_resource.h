// RecommenderResource: a recommender as the API and the store know it (its
// description and id), around the engine's Recommender.
#ifndef RECLOOP_DOMAIN_RECOMMENDER_RESOURCE_H_
#define RECLOOP_DOMAIN_RECOMMENDER_RESOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/recommender.h"
#include "recloop/v1/recloop.pb.h"

namespace recloop {

// Thread-safe.
class RecommenderResource {
 public:
  // Validates the description's recipe and configuration (INVALID_ARGUMENT
  // naming recipe or config.<field>).
  static absl::StatusOr<std::unique_ptr<RecommenderResource>> Create(
      const v1::Recommender& description, uint32_t id);

  const v1::Recommender& description() const { return description_; }
  const std::string& name() const { return description_.name(); }
  // Its key in the model column family, unique within its dataset group.
  uint32_t id() const { return id_; }
  Recommender& engine() { return engine_; }
  const Recommender& engine() const { return engine_; }
  ItemModel& model() { return engine_.model(); }
  const ItemModel& model() const { return engine_.model(); }

  // Every journaled event up to this sequence was learned when the
  // recommender was created (from the event log); replay skips them. Set
  // once, before the recommender is shared.
  uint64_t trained_through() const { return trained_through_; }
  void set_trained_through(uint64_t seq) { trained_through_ = seq; }

 private:
  RecommenderResource(const v1::Recommender& description, uint32_t id, Recipe recipe,
                      const ModelOptions& options)
      : description_(description),
        id_(id),
        engine_(description.name(), recipe, options) {}

  const v1::Recommender description_;
  const uint32_t id_;
  Recommender engine_;
  uint64_t trained_through_ = 0;
};

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_RECOMMENDER_RESOURCE_H_
