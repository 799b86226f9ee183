// The model column family: each recommender's model as checkpoint records,
// one per item plus a header (storage/keys.h has the layout,
// records.proto the values).
#ifndef RECLOOP_DOMAIN_MODEL_CODEC_H_
#define RECLOOP_DOMAIN_MODEL_CODEC_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "engine/item_model.h"
#include "storage/store.h"

namespace recloop {

// What a checkpoint writes of one model: copies of the items changed since
// the previous snapshot, and the header.
struct ModelSnapshot {
  uint32_t group_id = 0;
  uint32_t recommender_id = 0;
  std::vector<ItemCopy> items;
  absl::optional<ModelHeader> header;
  // The items' indexes, for ItemModel::MarkDirty if the write fails.
  std::vector<uint32_t> indexes() const;
};

// Takes the snapshot; the model counts its items as unchanged from now on.
// Call with learning paused (see ItemModel::TakeDirty): the snapshot is of
// one point of the stream. Copying is what makes the pause short; encoding
// comes after.
ModelSnapshot SnapshotModel(ItemModel* model, uint32_t group_id, uint32_t recommender_id);
// Adds the snapshot's records to `batch`.
void EncodeSnapshot(const ModelSnapshot& snapshot, WriteBatch* batch);

// Both at once; returns the items' indexes.
std::vector<uint32_t> CheckpointModel(ItemModel* model, uint32_t group_id,
                                      uint32_t recommender_id, WriteBatch* batch);
// Adds to `batch` the records of the model's `items` and its header, as
// CheckpointModel does for the items it takes (ItemModel::TakeDirty); the
// caller takes them and may write them in several batches.
void AddModelRecords(const ItemModel& model, uint32_t group_id, uint32_t recommender_id,
                     absl::Span<const uint32_t> items, WriteBatch* batch);

// Restores the model's checkpointed state. Call once, before it learns.
// DATA_LOSS when a record is corrupt.
absl::Status LoadModel(const Store& store, uint32_t group_id, uint32_t recommender_id,
                       ItemModel* model);

}  // namespace recloop

#endif  // RECLOOP_DOMAIN_MODEL_CODEC_H_
