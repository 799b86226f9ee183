// The model column family: each recommender's model as checkpoint records,
// one per item plus a header (storage/keys.h has the layout,
// records.proto the values).
#ifndef RECLOOP_DOMAIN_MODEL_CODEC_H_
#define RECLOOP_DOMAIN_MODEL_CODEC_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "engine/item_model.h"
#include "storage/store.h"

namespace recloop {

// Adds to `batch` the records of the model's items changed since the last
// call, and its header. Returns their indexes, for ItemModel::MarkDirty if
// the batch cannot be written. Call with learning paused (see
// ItemModel::TakeDirty); lists can be served meanwhile.
std::vector<uint32_t> CheckpointModel(ItemModel* model, uint32_t group_id,
                                      uint32_t recommender_id, WriteBatch* batch);

// Restores the model's checkpointed state. Call once, before it learns.
// DATA_LOSS when a record is corrupt.
absl::Status LoadModel(const Store& store, uint32_t group_id, uint32_t recommender_id,
                       ItemModel* model);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_MODEL_CODEC_H_
