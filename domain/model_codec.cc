#include "domain/model_codec.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"

namespace recloop {
namespace {

void Encode(const ItemState& state, internal::ItemModelRecord* record) {
  record->Clear();
  record->set_item_id(std::string(state.item_id));
  record->set_first_seen_micros(state.first_seen_micros);
  record->set_weight(state.weight);
  record->set_events(state.events);
  record->set_trend(state.trend);
  record->set_impressions(state.impressions);
  record->set_clicks(state.clicks);
  for (float v : state.sequence_input) record->add_sequence_input(v);
  for (float v : state.sequence_output) record->add_sequence_output(v);
  record->set_sequence_bias(state.sequence_bias);
  for (float v : state.tenure_weights) record->add_tenure_weights(v);
  for (const NeighbourList::Entry& e : state.neighbours) {
    record->add_neighbour_index(e.index);
    record->add_neighbour_weight(e.weight);
    record->add_neighbour_learned(e.learned);
  }
  for (const auto& [context, weight] : state.contexts) {
    (*record->mutable_contexts())[std::string(context)] = weight;
  }
}

// The record's state; `neighbours` holds what state.neighbours points to.
absl::Status Decode(const internal::ItemModelRecord& record, ItemState* state,
                    std::vector<NeighbourList::Entry>* neighbours) {
  const bool has_learned = record.neighbour_learned_size() != 0;
  if (record.neighbour_index_size() != record.neighbour_weight_size() ||
      (has_learned && record.neighbour_learned_size() != record.neighbour_index_size())) {
    return absl::DataLossError("neighbour arrays of different lengths");
  }
  state->item_id = record.item_id();
  state->first_seen_micros = record.first_seen_micros();
  state->weight = record.weight();
  state->events = record.events();
  state->trend = record.trend();
  state->impressions = record.impressions();
  state->clicks = record.clicks();
  state->sequence_input =
      absl::MakeConstSpan(record.sequence_input().data(), record.sequence_input_size());
  state->sequence_output =
      absl::MakeConstSpan(record.sequence_output().data(), record.sequence_output_size());
  state->sequence_bias = record.sequence_bias();
  state->tenure_weights =
      absl::MakeConstSpan(record.tenure_weights().data(), record.tenure_weights_size());
  neighbours->clear();
  neighbours->reserve(record.neighbour_index_size());
  for (int i = 0; i < record.neighbour_index_size(); ++i) {
    neighbours->push_back({record.neighbour_index(i), record.neighbour_weight(i),
                           has_learned ? record.neighbour_learned(i) : 0.0f});
  }
  state->neighbours = *neighbours;
  state->contexts.clear();
  for (const auto& [context, weight] : record.contexts()) {
    state->contexts.emplace_back(context, weight);
  }
  return absl::OkStatus();
}

ModelHeader Decode(const internal::ModelHeaderRecord& record) {
  ModelHeader header;
  header.trend_origin_micros = record.trend_origin_micros();
  header.latest_event_micros = record.latest_event_micros();
  header.blend.assign(record.blend_weights().begin(), record.blend_weights().end());
  if (record.has_total_weight()) header.total_weight = record.total_weight();
  header.tenure_totals.assign(record.tenure_totals().begin(),
                              record.tenure_totals().end());
  for (const auto& [context, total] : record.context_totals()) {
    header.context_totals.emplace_back(context, total);
  }
  header.blend_interactions = record.blend_interactions();
  return header;
}

}  // namespace

std::vector<uint32_t> ModelSnapshot::indexes() const {
  std::vector<uint32_t> out;
  out.reserve(items.size());
  for (const ItemCopy& item : items) out.push_back(item.index);
  return out;
}

ModelSnapshot SnapshotModel(ItemModel* model, uint32_t group_id,
                            uint32_t recommender_id) {
  ModelSnapshot snapshot;
  snapshot.group_id = group_id;
  snapshot.recommender_id = recommender_id;
  const std::vector<uint32_t> taken = model->TakeDirty();
  if (taken.empty()) return snapshot;
  snapshot.items = model->CopyItems(taken);
  snapshot.header = model->Header();
  return snapshot;
}

void EncodeSnapshot(const ModelSnapshot& snapshot, WriteBatch* batch) {
  internal::ItemModelRecord record;
  std::string value;
  for (const ItemCopy& item : snapshot.items) {
    Encode(item.view(), &record);
    record.SerializeToString(&value);
    batch->Put(Cf::kModel,
               ModelItemKey(snapshot.group_id, snapshot.recommender_id, item.index),
               value);
  }
  if (const absl::optional<ModelHeader>& header = snapshot.header) {
    internal::ModelHeaderRecord record;
    record.set_trend_origin_micros(header->trend_origin_micros);
    record.set_latest_event_micros(header->latest_event_micros);
    for (double w : header->blend) record.add_blend_weights(w);
    if (header->total_weight) record.set_total_weight(*header->total_weight);
    for (double t : header->tenure_totals) record.add_tenure_totals(t);
    for (const auto& [context, total] : header->context_totals) {
      (*record.mutable_context_totals())[context] = total;
    }
    record.set_blend_interactions(header->blend_interactions);
    batch->Put(Cf::kModel, ModelHeaderKey(snapshot.group_id, snapshot.recommender_id),
               record.SerializeAsString());
  }
}

std::vector<uint32_t> CheckpointModel(ItemModel* model, uint32_t group_id,
                                      uint32_t recommender_id, WriteBatch* batch) {
  const ModelSnapshot snapshot = SnapshotModel(model, group_id, recommender_id);
  EncodeSnapshot(snapshot, batch);
  return snapshot.indexes();
}

void AddModelRecords(const ItemModel& model, uint32_t group_id, uint32_t recommender_id,
                     absl::Span<const uint32_t> items, WriteBatch* batch) {
  ModelSnapshot snapshot;
  snapshot.group_id = group_id;
  snapshot.recommender_id = recommender_id;
  snapshot.items = model.CopyItems(items);
  snapshot.header = model.Header();
  EncodeSnapshot(snapshot, batch);
}

absl::Status LoadModel(const Store& store, uint32_t group_id, uint32_t recommender_id,
                       ItemModel* model) {
  const std::string prefix = ModelPrefix(group_id, recommender_id);
  auto cursor = store.NewPrefixCursor(Cf::kModel, prefix);
  internal::ItemModelRecord record;
  ItemState state;
  std::vector<NeighbourList::Entry> neighbours;
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
    const absl::optional<uint32_t> index = ParseModelKey(cursor->key());
    if (!index) return absl::DataLossError("model record with a malformed key");
    absl::string_view value = cursor->value();
    if (*index == kModelHeaderIndex) {
      internal::ModelHeaderRecord header;
      if (!header.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return absl::DataLossError("model header is corrupt");
      }
      model->RestoreHeader(Decode(header));
      continue;
    }
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
        !Decode(record, &state, &neighbours).ok()) {
      return absl::DataLossError(
          absl::StrCat("model record ", *index, " of group ", group_id, " is corrupt"));
    }
    model->RestoreItem(*index, state);
  }
  return cursor->status();
}

}  // namespace recloop
