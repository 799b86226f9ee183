#include "engine/item_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/split_mix.h"
#include "engine/window_regression.h"
#include "recloop/internal/records.pb.h"
#include "storage/keys.h"

namespace recloop {
namespace {

// Impression-based demotion: an item's click-through estimate, with a prior
// of one click in kPriorImpressions impressions, relative to that prior.
constexpr double kPriorImpressions = 10;
constexpr double kMinDemotion = 0.05;
// Trend scores are rescaled before their exponent leaves a safe range.
constexpr double kMaxTrendExponent = 64;
// How many of the most trending, and of the most popular, items join a
// user's collaborative candidates, so the blend can rank them in.
constexpr size_t kPoolCandidates = 50;
// The blend learns from one interaction in this many: it has a few weights
// to fit, and scoring a user's candidates per interaction would double the
// cost of learning (measured: 24k -> 12k events/s in the engine benchmark).
constexpr uint64_t kBlendLearnEvery = 8;
// Items each SequenceEmbedding step weighs the chosen item against: some
// drawn uniformly from the items with interactions (in the simulator, 50
// uniform draws came within 0.0006 HR@10 of the full softmax, while 20
// popularity-weighted draws gave half the gain), and some from the window
// items' neighbour lists, the candidates serving ranks the chosen item
// among (MovieLens 100K in process: 50 uniform 0.2150, 25 + 25 0.2161,
// 20 + 50 0.2159, 50 from the lists alone 0.2159; tenth session).
constexpr int kSequenceUniformNegatives = 25;
constexpr int kSequenceNeighbourNegatives = 25;
// Items each WindowRegression step weighs the chosen item against, drawn
// from the window items' neighbour lists. In the simulator 20 such draws
// gave 0.2153, 50 gave 0.2144, 10 gave 0.2146; 50 uniform draws over the
// catalog 0.2140 (and at a large catalog they would seldom be a pair that
// exists, so they would teach nothing).
constexpr int kRegressionNegatives = 20;
// Separates the regression's draws from the sequence model's for the same
// event.
constexpr uint64_t kRegressionSalt = 0x5265677265737331;  // "Regress1"

}  // namespace

ItemModel::ItemModel(const ModelOptions& options)
    : options_(options),
      popular_(static_cast<size_t>(options.popular_pool)),
      trending_(static_cast<size_t>(options.popular_pool)),
      tenure_(static_cast<size_t>(options.popular_pool)) {}

absl::Status ItemModel::Load(const Store& store, uint32_t group_id,
                             uint32_t recommender_id) {
  absl::MutexLock lock(&mu_);
  const std::string prefix = ModelPrefix(group_id, recommender_id);
  auto cursor = store.NewPrefixCursor(Cf::kModel, prefix);
  for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
    absl::string_view key = cursor->key();
    absl::string_view value = cursor->value();
    if (key.size() != prefix.size() + 4) {
      return absl::DataLossError("model record with a malformed key");
    }
    const uint32_t index = DecodeFixed32BE(key.data() + prefix.size());
    if (index == kModelHeaderIndex) {
      internal::ModelHeaderRecord header;
      if (!header.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return absl::DataLossError("model header is corrupt");
      }
      trend_origin_micros_ = header.trend_origin_micros();
      latest_event_micros_ = header.latest_event_micros();
      blend_.Restore(header.blend_weights());
      has_events_ = true;
      continue;
    }
    internal::ItemModelRecord record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
        record.neighbour_index_size() != record.neighbour_weight_size() ||
        (record.neighbour_learned_size() != 0 &&
         record.neighbour_learned_size() != record.neighbour_index_size())) {
      return absl::DataLossError(absl::StrCat("model record ", index, " of group ",
                                              group_id, " is corrupt"));
    }
    if (index >= items_.size()) Resize(index + 1);
    Item& item = items_[index];
    item.id = record.item_id();
    item.first_seen_micros = record.first_seen_micros();
    SetWeight(index, record.weight());
    item.events = record.events();
    trends_[index] = record.trend();
    item.impressions = record.impressions();
    item.clicks = record.clicks();
    log_demotions_[index] = std::log(Demotion(item));
    sequence_.Restore(index,
                      absl::MakeConstSpan(record.sequence_input().data(),
                                          record.sequence_input_size()),
                      absl::MakeConstSpan(record.sequence_output().data(),
                                          record.sequence_output_size()),
                      record.sequence_bias());
    tenure_.Restore(index, absl::MakeConstSpan(record.tenure_weights().data(),
                                               record.tenure_weights_size()));
    item.neighbours.reserve(record.neighbour_index_size());
    const bool has_learned = record.neighbour_learned_size() != 0;
    for (int i = 0; i < record.neighbour_index_size(); ++i) {
      item.neighbours.Add(record.neighbour_index(i), record.neighbour_weight(i),
                          has_learned ? record.neighbour_learned(i) : 0.0f);
    }
    for (const auto& [context, weight] : record.contexts()) {
      auto [it, inserted] = contexts_.try_emplace(
          context, static_cast<size_t>(options_.popular_pool));
      it->second.weights[index] = weight;
      it->second.total += weight;
      it->second.top.Update(index, weight);
    }
    index_[item.id] = index;
    total_weight_ += item.weight;
    if (item.weight > 0) {
      popular_.Update(index, item.weight);
      trending_.Update(index, trends_[index]);
    }
  }
  return cursor->status();
}

std::vector<uint32_t> ItemModel::TakeDirty(uint32_t group_id, uint32_t recommender_id,
                                           WriteBatch* batch) {
  std::vector<uint32_t> taken;
  {
    absl::MutexLock lock(&mu_);
    taken.assign(dirty_.begin(), dirty_.end());
    dirty_.clear();
  }
  if (taken.empty()) return taken;
  // Serializing the changed items takes long at scale (1.4 to 1.9 s at 2M
  // events in the engine benchmark), and under the exclusive lock every
  // list asked for meanwhile waited that long. A shared lock lets lists be
  // served; the caller keeps learning paused, so nothing changes between
  // taking the dirty set and reading the items.
  absl::ReaderMutexLock lock(&mu_);
  // Per-item context weights, gathered once for all dirty items.
  absl::flat_hash_map<uint32_t, std::vector<std::pair<const std::string*, double>>>
      contexts;
  if (!contexts_.empty()) {
    absl::flat_hash_set<uint32_t> wanted(taken.begin(), taken.end());
    for (const auto& [context, stats] : contexts_) {
      for (const auto& [index, weight] : stats.weights) {
        if (wanted.contains(index)) contexts[index].emplace_back(&context, weight);
      }
    }
  }
  internal::ItemModelRecord record;
  std::string value;
  for (uint32_t index : taken) {
    const Item& item = items_[index];
    record.Clear();
    record.set_item_id(item.id);
    record.set_first_seen_micros(item.first_seen_micros);
    record.set_weight(item.weight);
    record.set_events(item.events);
    record.set_trend(trends_[index]);
    record.set_impressions(item.impressions);
    record.set_clicks(item.clicks);
    for (float v : sequence_.input(index)) record.add_sequence_input(v);
    for (float v : sequence_.output(index)) record.add_sequence_output(v);
    record.set_sequence_bias(sequence_.bias(index));
    for (float v : tenure_.weights(index)) record.add_tenure_weights(v);
    for (const NeighbourList::Entry& e : item.neighbours.entries()) {
      record.add_neighbour_index(e.index);
      record.add_neighbour_weight(e.weight);
      record.add_neighbour_learned(e.learned);
    }
    auto ctx = contexts.find(index);
    if (ctx != contexts.end()) {
      for (const auto& [name, weight] : ctx->second) {
        (*record.mutable_contexts())[*name] = weight;
      }
    }
    record.SerializeToString(&value);
    batch->Put(Cf::kModel, ModelItemKey(group_id, recommender_id, index), value);
  }
  internal::ModelHeaderRecord header;
  header.set_trend_origin_micros(trend_origin_micros_);
  header.set_latest_event_micros(latest_event_micros_);
  for (double w : blend_.Checkpoint()) header.add_blend_weights(w);
  batch->Put(Cf::kModel, ModelHeaderKey(group_id, recommender_id),
             header.SerializeAsString());
  return taken;
}

void ItemModel::MarkDirty(const std::vector<uint32_t>& indexes) {
  absl::MutexLock lock(&mu_);
  dirty_.insert(indexes.begin(), indexes.end());
}

void ItemModel::Resize(size_t n) {
  items_.resize(n);
  inverse_norms_.resize(n, 0);
  log_demotions_.resize(n, 0);
  trends_.resize(n, 0);
  log_weights_.resize(n, 0);
  sequence_.Resize(n);
  tenure_.Resize(n);
}

void ItemModel::SetWeight(uint32_t index, double weight) {
  items_[index].weight = weight;
  inverse_norms_[index] = weight > 0 ? 1 / std::sqrt(weight) : 0.0;
  log_weights_[index] = std::log1p(weight);
}

uint32_t ItemModel::IndexOrAdd(absl::string_view item_id, absl::Time time) {
  auto it = index_.find(item_id);
  if (it != index_.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(items_.size());
  Resize(index + 1);
  items_.back().id = std::string(item_id);
  items_.back().first_seen_micros = absl::ToUnixMicros(time);
  index_.emplace(std::string(item_id), index);
  dirty_.insert(index);
  return index;
}

void ItemModel::AddPair(uint32_t a, uint32_t b, float w) {
  NeighbourList& neighbours = items_[a].neighbours;
  neighbours.Add(b, w);
  dirty_.insert(a);
  // Amortized pruning: let the list grow to twice the cap, then keep the
  // strongest `cap` neighbours.
  const size_t cap = static_cast<size_t>(options_.max_neighbours);
  if (neighbours.size() > 2 * cap) neighbours.KeepStrongest(cap);
}

void ItemModel::AddTrend(uint32_t index, size_t stage, double weight, int64_t micros) {
  const double half_life_micros = options_.trending_half_life_hours * 3600e6;
  double exponent = (micros - trend_origin_micros_) / half_life_micros;
  if (exponent > kMaxTrendExponent) {
    // Move the origin to now: every score shrinks by the same factor, so the
    // order is unchanged. Every item's record changes with it.
    const double factor = std::exp2(-exponent);
    for (uint32_t i = 0; i < trends_.size(); ++i) {
      if (trends_[i] != 0) {
        trends_[i] *= factor;
        dirty_.insert(i);
      }
    }
    trending_.Scale(factor);
    tenure_.Scale(factor);  // its items are among those with a trend
    trend_origin_micros_ = micros;
    exponent = 0;
  }
  const double scaled = weight * std::exp2(exponent);
  trends_[index] += scaled;
  trending_.Update(index, trends_[index]);
  tenure_.Add(index, stage, scaled);
}

void ItemModel::Observe(const Interaction& interaction,
                        absl::Span<const HistoryItem> window) {
  absl::MutexLock lock(&mu_);
  const int64_t micros = absl::ToUnixMicros(interaction.time);
  if (!has_events_) {
    has_events_ = true;
    trend_origin_micros_ = micros;
    latest_event_micros_ = micros;
  }
  latest_event_micros_ = std::max(latest_event_micros_, micros);

  // Every shown item gets its index first (in the impression's order), so
  // that items shown for the first time count among those not chosen.
  absl::flat_hash_set<absl::string_view> shown;
  std::vector<uint32_t> shown_indexes;
  for (const std::string& id : interaction.impressions) {
    if (shown.insert(id).second) shown_indexes.push_back(IndexOrAdd(id, interaction.time));
  }
  const bool learns = !interaction.item_id.empty() && interaction.weight > 0;
  // The blend learns first, from the model as it was before this event: its
  // own click must not make the chosen item look less demoted.
  if (learns) {
    if (auto known = index_.find(interaction.item_id); known != index_.end()) {
      if (shown.size() >= 2 && shown.contains(interaction.item_id)) {
        // Chosen from what was shown: the best evidence of what the signals
        // are worth, so every such event teaches the blend (its cost is one
        // neighbour lookup per shown item and recent item).
        LearnBlend(known->second, window, &shown);
      } else if (++interactions_ % kBlendLearnEvery == 0) {
        LearnBlend(known->second, window, /*shown=*/nullptr);
      }
    }
  }

  // Impressions: everything shown counts once; the chosen item is a click.
  for (uint32_t index : shown_indexes) {
    items_[index].impressions += 1;
    if (items_[index].id == interaction.item_id) items_[index].clicks += 1;
    log_demotions_[index] = std::log(Demotion(items_[index]));
    dirty_.insert(index);
  }

  if (!learns) return;
  const double weight = interaction.weight;
  const uint32_t target = IndexOrAdd(interaction.item_id, interaction.time);
  Item& item = items_[target];
  SetWeight(target, item.weight + weight);
  item.events += 1;
  total_weight_ += weight;
  dirty_.insert(target);
  popular_.Update(target, item.weight);
  const HistoryView view = ViewOf(window);
  AddTrend(target, view.stage, weight, micros);
  for (const std::string& context : interaction.contexts) {
    auto [it, inserted] =
        contexts_.try_emplace(context, static_cast<size_t>(options_.popular_pool));
    ContextStats& stats = it->second;
    stats.total += weight;
    double& w = stats.weights[target];
    w += weight;
    stats.top.Update(target, w);
  }

  LearnSequence(target, view, micros);

  absl::flat_hash_set<uint32_t> seen;
  seen.insert(target);
  double decay = 1.0;
  int position = 0;
  for (const HistoryItem& other : window) {
    if (position >= options_.window) break;
    if (other.weight <= 0) continue;
    auto it = index_.find(other.item_id);
    if (it == index_.end()) continue;
    ++position;
    if (!seen.insert(it->second).second) continue;
    const float w = static_cast<float>(std::sqrt(weight * other.weight) * decay);
    AddPair(target, it->second, w);
    AddPair(it->second, target, w);
    decay *= options_.pair_decay;
  }
  // After the pairs: the window items' lists now hold the target.
  LearnRegression(target, view, micros);
}

void ItemModel::DrawNeighbours(absl::Span<const NeighbourList* const> lists, uint32_t target,
                               int count, uint64_t* state, std::vector<uint32_t>* out) {
  if (lists.empty()) return;
  for (int k = 0; k < count; ++k) {
    // A uniformly drawn neighbour of a uniformly drawn list. (By position:
    // lists are in index order, so a model restored from its checkpoint
    // draws the same. Drawing the neighbour after a random index instead
    // favoured items after gaps in the indexes and cost 0.0022 HR@10 on
    // MovieLens.)
    *state = SplitMix64(*state);
    const NeighbourList& list = *lists[*state % lists.size()];
    if (list.size() == 0) continue;
    *state = SplitMix64(*state);
    const uint32_t i = list.entries()[*state % list.size()].index;
    if (i != target) out->push_back(i);
  }
}

void ItemModel::LearnRegression(uint32_t target, const HistoryView& view, int64_t micros) {
  std::vector<NeighbourList*> rows;
  std::vector<double> row_weights;
  rows.reserve(view.longer.size());
  row_weights.reserve(view.longer.size());
  for (size_t position = 0; position < view.longer.size(); ++position) {
    const uint32_t i = view.longer[position].first;
    if (i == target) continue;
    rows.push_back(&items_[i].neighbours);
    row_weights.push_back(WindowRegressionRowWeight(position, options_.recency_decay));
  }
  if (rows.empty()) return;
  std::vector<uint32_t> negatives;
  negatives.reserve(kRegressionNegatives);
  uint64_t state =
      SplitMix64(static_cast<uint64_t>(micros) ^ (uint64_t{target} << 32) ^ kRegressionSalt);
  DrawNeighbours(rows, target, kRegressionNegatives, &state, &negatives);
  // Only the rows' lists change, and AddPair has marked every window item
  // dirty already.
  LearnWindowRegression(rows, target, negatives, row_weights);
}

void ItemModel::LearnSequence(uint32_t target, const HistoryView& view, int64_t micros) {
  if (view.sources.empty()) return;
  std::vector<uint32_t> negatives;
  negatives.reserve(kSequenceUniformNegatives + kSequenceNeighbourNegatives);
  uint64_t state = SplitMix64(static_cast<uint64_t>(micros) ^ (uint64_t{target} << 32));
  const uint64_t n = items_.size();
  // Half the negatives are neighbours of the window's items: the items
  // this user's list would rank the chosen one against (drawn as the
  // regression draws them, by position in index-ordered lists, so a
  // restored model draws the same).
  std::vector<const NeighbourList*> window_lists;
  window_lists.reserve(view.longer.size());
  for (const auto& [i, w] : view.longer) window_lists.push_back(&items_[i].neighbours);
  DrawNeighbours(window_lists, target, kSequenceNeighbourNegatives, &state, &negatives);
  // The rest uniformly, by rejection sampling: a few tries per draw, so a
  // catalog of mostly impressed-only items cannot make it loop long.
  const int wanted = static_cast<int>(negatives.size()) + kSequenceUniformNegatives;
  for (int tries = 0; tries < 4 * (kSequenceUniformNegatives + kSequenceNeighbourNegatives) &&
                      static_cast<int>(negatives.size()) < wanted;
       ++tries) {
    state = SplitMix64(state);
    const uint32_t i = static_cast<uint32_t>(state % n);
    // log_weights_ is dense: items_[i] would be a cache miss per draw.
    if (i != target && log_weights_[i] > 0) negatives.push_back(i);
  }
  if (negatives.empty()) return;
  sequence_.Learn(view.sources, view.longer, target, negatives);
  dirty_.insert(target);
  dirty_.insert(negatives.begin(), negatives.end());
  // The window's items (view.longer) are marked by Observe's AddPair calls.
  for (const auto& [i, w] : view.sources) dirty_.insert(i);
}

double ItemModel::Similarity(const Item& a, uint32_t b, float co) const {
  // Cosine: co / sqrt(weight(a) * weight(b)). The neighbour's 1/sqrt(weight)
  // comes from a dense array: scoring visits thousands of neighbours, and
  // their Item records would each be a cache miss.
  return a.weight > 0 ? co * inverse_norms_[b] / std::sqrt(a.weight) : 0;
}

double ItemModel::Demotion(const Item& item) const {
  if (item.impressions <= 0) return 1;
  const double prior_rate = 1 / kPriorImpressions;
  const double rate = (item.clicks + 1) / (item.impressions + kPriorImpressions);
  return std::clamp(rate / prior_rate, kMinDemotion, 1.0);
}

double ItemModel::ContextBoost(uint32_t index,
                               absl::Span<const std::string> contexts) const {
  if (contexts.empty() || items_[index].weight <= 0) return 1;
  double share = 0;
  for (const std::string& context : contexts) {
    auto it = contexts_.find(context);
    if (it == contexts_.end()) continue;
    auto w = it->second.weights.find(index);
    if (w != it->second.weights.end()) share += w->second / items_[index].weight;
  }
  return 1 + share / contexts.size();
}

size_t ItemModel::StageOf(absl::Span<const HistoryItem> history) const {
  size_t counted = 0;
  int position = 0;
  for (const HistoryItem& h : history) {
    if (position++ >= options_.window) break;
    if (h.weight > 0) ++counted;
  }
  return TenurePopularity::StageOf(counted);
}

ItemModel::HistoryView ItemModel::ViewOf(absl::Span<const HistoryItem> history) const {
  // One pass, one lookup per item: this runs for every event learned and
  // every list served.
  HistoryView view;
  const size_t max_sources = static_cast<size_t>(std::max(options_.history_length, 0));
  absl::flat_hash_set<uint32_t> seen;
  size_t counted = 0;
  double recency = 1.0;
  int position = 0;
  for (const HistoryItem& h : history) {
    const bool in_window = position++ < options_.window;
    const bool sources_full = view.sources.size() >= max_sources;
    if (!in_window && sources_full) break;
    if (h.weight <= 0) continue;
    if (in_window) ++counted;
    auto it = index_.find(h.item_id);
    if (it == index_.end() || !seen.insert(it->second).second) continue;
    const double weight = std::min(h.weight, 10.0);
    if (in_window) view.longer.emplace_back(it->second, weight);
    if (!sources_full) {
      view.sources.emplace_back(it->second, recency * weight);
      recency *= options_.recency_decay;
    }
  }
  view.stage = TenurePopularity::StageOf(counted);
  return view;
}

ItemModel::ScoreList ItemModel::ScoreHistory(const ScoreList& sources) const {
  size_t candidates = 0;
  for (const auto& [index, hw] : sources) candidates += items_[index].neighbours.size();
  // Their neighbours' scores add up in a dense per-thread array indexed by
  // item (a hash map insert per neighbour was most of a recommendation's
  // cost); the touched entries are then collected and the array reset.
  struct Scratch {
    std::vector<double> score;
    std::vector<uint8_t> touched;
  };
  thread_local Scratch scratch;
  if (scratch.score.size() < items_.size()) {
    scratch.score.resize(items_.size(), 0.0);
    scratch.touched.resize(items_.size(), 0);
  }
  std::vector<uint32_t> order;
  order.reserve(candidates);
  for (const auto& [index, hw] : sources) {
    const Item& item = items_[index];
    // hw * Similarity(item, neighbour, co), with the source's part hoisted.
    const double scale = item.weight > 0 ? hw / std::sqrt(item.weight) : 0;
    for (const auto& [neighbour, co, learned] : item.neighbours.entries()) {
      if (!scratch.touched[neighbour]) {
        scratch.touched[neighbour] = 1;
        order.push_back(neighbour);
      }
      scratch.score[neighbour] += scale * co * inverse_norms_[neighbour];
    }
  }
  ScoreList scores;
  scores.reserve(order.size());
  for (uint32_t i : order) {
    scores.emplace_back(i, scratch.score[i]);
    scratch.score[i] = 0;
    scratch.touched[i] = 0;
  }
  return scores;
}

std::vector<ItemModel::Candidate> ItemModel::BlendCandidates(
    absl::Span<const HistoryItem> history,
    const absl::flat_hash_set<uint32_t>& excluded) const {
  std::vector<Candidate> out;
  const HistoryView view = ViewOf(history);
  const ScoreList collaborative = ScoreHistory(view.sources);
  if (collaborative.empty()) return out;
  // Which items are excluded or already listed, in a dense per-thread array
  // (a hash set probe per neighbour cost more than the scoring).
  enum : uint8_t { kFree = 0, kExcluded = 1, kListed = 2 };
  thread_local std::vector<uint8_t> mark;
  if (mark.size() < items_.size()) mark.resize(items_.size(), kFree);
  for (uint32_t i : excluded) mark[i] = kExcluded;
  out.reserve(collaborative.size() + 3 * kPoolCandidates);
  const auto add = [&](uint32_t i, double score) {
    if (mark[i] != kFree) return;
    mark[i] = kListed;
    out.push_back({i, {score}});
  };
  for (const auto& [i, score] : collaborative) add(i, score);
  for (const auto& [i, trend] : trending_.Best(kPoolCandidates)) add(i, 0);
  for (const auto& [i, weight] : popular_.Best(kPoolCandidates)) add(i, 0);
  for (const auto& [i, weight] : tenure_.Top(view.stage, kPoolCandidates)) add(i, 0);
  for (uint32_t i : excluded) mark[i] = kFree;
  for (const Candidate& c : out) mark[c.index] = kFree;
  FillSignals(view, &out);
  return out;
}

void ItemModel::FillSignals(const HistoryView& view,
                            std::vector<Candidate>* candidates) const {
  // Trend scores count events scaled by 2^(age since the origin in
  // half-lives); one event at the latest time weighs `unit`. The feature is
  // log(1 + trend / unit), on the same log scale as popularity: linear
  // trend scores are so skewed that, normalized by the list's maximum,
  // nearly every candidate reads 0 and the blend cannot use them (measured
  // on MIND: with impression learning, click-through 0.00228 linear vs
  // 0.00358 log).
  const double unit =
      std::exp2((latest_event_micros_ - trend_origin_micros_) /
                (options_.trending_half_life_hours * 3600e6));
  // The sequence and regression scores are logits of any sign: they are
  // shifted by the list's minimum before the common scaling by the maximum.
  SequenceEmbedding::Context context;
  const bool has_context = sequence_.MakeContext(view.sources, view.longer, &context);
  const std::vector<double> regression = RegressionScores(view, *candidates);
  double min_sequence = HUGE_VAL;
  double min_regression = HUGE_VAL;
  for (size_t k = 0; k < candidates->size(); ++k) {
    Candidate& c = (*candidates)[k];
    c.log_demotion = log_demotions_[c.index];
    c.features[kTrending] = std::log1p(trends_[c.index] / unit);
    c.features[kPopularity] = log_weights_[c.index];
    c.features[kSequence] = has_context ? sequence_.Score(context, c.index) : 0;
    c.features[kTenure] = std::log1p(tenure_.Weight(c.index, view.stage) / unit);
    c.features[kRegression] = regression[k];
    min_sequence = std::min(min_sequence, c.features[kSequence]);
    min_regression = std::min(min_regression, c.features[kRegression]);
  }
  BlendFeatures max_feature{};
  for (Candidate& c : *candidates) {
    c.features[kSequence] -= min_sequence;
    c.features[kRegression] -= min_regression;
    for (size_t k = 0; k < kBlendSignals; ++k) {
      max_feature[k] = std::max(max_feature[k], c.features[k]);
    }
  }
  for (Candidate& c : *candidates) {
    for (size_t k = 0; k < kBlendSignals; ++k) {
      c.features[k] = max_feature[k] > 0 ? c.features[k] / max_feature[k] : 0;
    }
  }
}

std::vector<double> ItemModel::RegressionScores(const HistoryView& view,
                                               const std::vector<Candidate>& candidates) const {
  std::vector<double> out(candidates.size(), 0.0);
  if (view.longer.empty() || candidates.empty()) return out;
  // WindowRegressionScore for every candidate at once: the window items'
  // learned weights add up in a dense per-thread array (one pass over each
  // list instead of a search per candidate and window item), which is read
  // for the candidates and then reset along the same lists.
  thread_local std::vector<double> sums;
  if (sums.size() < items_.size()) sums.resize(items_.size(), 0.0);
  double total_weight = 0;
  for (size_t position = 0; position < view.longer.size(); ++position) {
    const double row_weight = WindowRegressionRowWeight(position, options_.recency_decay);
    total_weight += row_weight;
    for (const NeighbourList::Entry& e : items_[view.longer[position].first].neighbours.entries()) {
      sums[e.index] += row_weight * e.learned;
    }
  }
  const double scale = 1 / total_weight;
  for (size_t k = 0; k < candidates.size(); ++k) out[k] = sums[candidates[k].index] * scale;
  for (const auto& [i, w] : view.longer) {
    for (const NeighbourList::Entry& e : items_[i].neighbours.entries()) sums[e.index] = 0;
  }
  return out;
}

std::vector<ItemModel::Candidate> ItemModel::ShownCandidates(
    const absl::flat_hash_set<absl::string_view>& shown,
    absl::Span<const HistoryItem> history,
    const absl::flat_hash_set<uint32_t>& excluded) const {
  // Each shown item's collaborative score, as ScoreHistory would give it,
  // by one neighbour lookup per source item.
  const HistoryView view = ViewOf(history);
  std::vector<Candidate> candidates;
  candidates.reserve(shown.size());
  for (absl::string_view id : shown) {
    auto it = index_.find(id);
    if (it == index_.end() || excluded.contains(it->second)) continue;
    const uint32_t i = it->second;
    double collaborative = 0;
    for (const auto& [source, hw] : view.sources) {
      const Item& item = items_[source];
      if (item.weight <= 0) continue;
      collaborative +=
          hw / std::sqrt(item.weight) * item.neighbours.Weight(i) * inverse_norms_[i];
    }
    candidates.push_back({i, {collaborative}});
  }
  // The order of a hash set is arbitrary; a learning step must not be.
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.index < b.index; });
  FillSignals(view, &candidates);
  return candidates;
}

void ItemModel::LearnBlend(uint32_t target, absl::Span<const HistoryItem> window,
                           const absl::flat_hash_set<absl::string_view>* shown) {
  if (items_[target].weight <= 0) return;
  // The user's recent items are what serving would exclude; an item they
  // come back to teaches nothing about ranking new ones.
  absl::flat_hash_set<uint32_t> recent;
  int position = 0;
  for (const HistoryItem& h : window) {
    if (position++ >= options_.window) break;
    auto it = index_.find(h.item_id);
    if (it != index_.end()) recent.insert(it->second);
  }
  if (recent.contains(target)) return;
  const std::vector<Candidate> candidates = shown == nullptr
                                                ? BlendCandidates(window, recent)
                                                : ShownCandidates(*shown, window, recent);
  std::vector<BlendFeatures> features;
  std::vector<double> log_demotions;
  features.reserve(candidates.size());
  log_demotions.reserve(candidates.size());
  size_t chosen = candidates.size();
  for (const Candidate& c : candidates) {
    if (c.index == target) chosen = features.size();
    features.push_back(c.features);
    log_demotions.push_back(c.log_demotion);
  }
  blend_.Learn(features, log_demotions, chosen);
}

absl::flat_hash_set<uint32_t> ItemModel::ExcludedIndices(const ServeQuery& query) const {
  absl::flat_hash_set<uint32_t> excluded;
  if (query.exclude == nullptr) return excluded;
  excluded.reserve(query.exclude->size());
  for (const std::string& id : *query.exclude) {
    auto it = index_.find(id);
    if (it != index_.end()) excluded.insert(it->second);
  }
  return excluded;
}

template <typename ScorePairs>
void ItemModel::TakeBest(const ScorePairs& scores, const ServeQuery& query,
                         absl::flat_hash_set<uint32_t>* taken,
                         std::vector<ScoredItem>* out) const {
  const size_t room = query.n > static_cast<int>(out->size())
                          ? static_cast<size_t>(query.n) - out->size()
                          : 0;
  if (room == 0) return;
  // One pass with a heap of the `room` best so far, worst on top: most
  // candidates lose to the worst kept and cost one comparison, and only
  // those that would enter it are looked up in `taken`. (Sorting every
  // candidate and probing `taken` for each was a tenth of a
  // recommendation's CPU.)
  const auto better = [](const std::pair<uint32_t, double>& a,
                         const std::pair<uint32_t, double>& b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  };
  std::vector<std::pair<uint32_t, double>> best;
  best.reserve(room);
  for (const auto& [i, s] : scores) {
    if (!(s > 0)) continue;
    const std::pair<uint32_t, double> candidate(i, s);
    if (best.size() == room && !better(candidate, best.front())) continue;
    if (taken->contains(i)) continue;
    if (best.size() == room) {
      std::pop_heap(best.begin(), best.end(), better);
      best.back() = candidate;
    } else {
      best.push_back(candidate);
    }
    std::push_heap(best.begin(), best.end(), better);
  }
  std::sort_heap(best.begin(), best.end(), better);
  for (const auto& [i, s] : best) {
    out->push_back({items_[i].id, s});
    taken->insert(i);
  }
}

std::shared_ptr<const std::vector<std::pair<uint32_t, double>>> ItemModel::SortedPopular()
    const {
  absl::MutexLock lock(&popular_cache_mu_);
  if (popular_cache_ == nullptr || popular_cache_version_ != popular_.version()) {
    popular_cache_ = std::make_shared<const std::vector<std::pair<uint32_t, double>>>(
        popular_.Sorted());
    popular_cache_version_ = popular_.version();
  }
  return popular_cache_;
}

void ItemModel::FillPopular(const ServeQuery& query, bool for_user,
                            absl::flat_hash_set<uint32_t>* taken,
                            std::vector<ScoredItem>* out) const {
  if (static_cast<int>(out->size()) >= query.n) return;
  const size_t needed = static_cast<size_t>(query.n) - out->size();
  const double total = total_weight_;
  // With demotion, 4x what is needed, since demotion can only lower a score.
  const size_t enough = for_user ? 4 * needed + 50 : needed;
  // Contextual popularity first: each known context's most popular items,
  // and for a user the most popular at their stage, each scored by its
  // share of that context's (stage's) interactions.
  Scores scores;
  for (const std::string& context : query.contexts) {
    auto it = contexts_.find(context);
    if (it == contexts_.end() || it->second.total <= 0) continue;
    for (const auto& [i, w] : it->second.top.Sorted()) {
      scores[i] += w / it->second.total;
    }
  }
  if (for_user) {
    const size_t stage = StageOf(query.history);
    const double stage_total = tenure_.Total(stage);
    if (stage_total > 0) {
      for (const auto& [i, w] : tenure_.Top(stage, enough + taken->size())) {
        scores[i] += w / stage_total;
      }
    }
  }
  // Then global popularity, below any contextual score. Walking the sorted
  // pool stops once it has enough candidates.
  const double global_scale = scores.empty() ? 1.0 : 1e-3;
  size_t usable = 0;
  for (const auto& [i, s] : scores) usable += !taken->contains(i);
  const auto sorted = SortedPopular();
  for (const auto& [i, w] : *sorted) {
    if (usable >= enough) break;
    if (total <= 0) break;
    if (scores.contains(i)) {
      scores[i] += global_scale * w / total;
      continue;
    }
    if (taken->contains(i)) continue;
    scores[i] = global_scale * w / total;
    ++usable;
  }
  // The pool normally suffices; when exclusions eat it, rank everything.
  if (usable < needed && popular_.size() < items_.size() && total > 0) {
    for (uint32_t i = 0; i < items_.size(); ++i) {
      if (items_[i].weight > 0 && !scores.contains(i)) {
        scores[i] = global_scale * items_[i].weight / total;
      }
    }
  }
  if (for_user) {
    for (auto& [i, s] : scores) s *= blend_.DemotionFactor(log_demotions_[i]);
  }
  // Fill-ins rank below every item already chosen for its own reason. A
  // user's fill-in sums shares of several populations (contexts, stage), so
  // it is squashed by s / (1 + s) below 1 first.
  const double cap = out->empty() ? 1.0 : std::min(1.0, out->back().score);
  std::vector<ScoredItem> fill;
  ServeQuery rest = query;
  rest.n = static_cast<int>(needed);
  TakeBest(scores, rest, taken, &fill);
  for (ScoredItem& item : fill) {
    if (for_user) item.score /= 1 + item.score;
    item.score *= cap;
    out->push_back(std::move(item));
  }
}

std::vector<ScoredItem> ItemModel::Personalized(const ServeQuery& query) const {
  absl::ReaderMutexLock lock(&mu_);
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  const std::vector<Candidate> candidates = BlendCandidates(query.history, taken);
  ScoreList scores;
  scores.reserve(candidates.size());
  for (const Candidate& c : candidates) {
    scores.emplace_back(c.index, blend_.Score(c.features, c.log_demotion) *
                                     ContextBoost(c.index, query.contexts));
  }
  std::vector<ScoredItem> out;
  TakeBest(scores, query, &taken, &out);
  FillPopular(query, /*for_user=*/true, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::PopularForUser(const ServeQuery& query) const {
  return PopularList(query, /*for_user=*/true);
}

std::vector<ScoredItem> ItemModel::Related(absl::string_view item_id,
                                           const ServeQuery& query) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  auto it = index_.find(item_id);
  if (it != index_.end()) {
    taken.insert(it->second);
    const Item& item = items_[it->second];
    Scores scores;
    for (const auto& [neighbour, co, learned] : item.neighbours.entries()) {
      scores[neighbour] = Similarity(item, neighbour, co) *
                          blend_.DemotionFactor(log_demotions_[neighbour]) *
                          ContextBoost(neighbour, query.contexts);
    }
    TakeBest(scores, query, &taken, &out);
  }
  absl::flat_hash_set<std::string> exclude_self;
  if (query.exclude != nullptr) exclude_self = *query.exclude;
  exclude_self.insert(std::string(item_id));
  ServeQuery rest = query;
  rest.exclude = &exclude_self;
  FillPopular(rest, /*for_user=*/true, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Popular(const ServeQuery& query) const {
  return PopularList(query, /*for_user=*/false);
}

std::vector<ScoredItem> ItemModel::PopularList(const ServeQuery& query, bool for_user) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  FillPopular(query, for_user, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Trending(const ServeQuery& query) const {
  absl::ReaderMutexLock lock(&mu_);
  Scores scores;
  double total = 0;
  auto top = trending_.Sorted();
  for (const auto& [i, t] : top) total += t;
  for (const auto& [i, t] : top) scores[i] = total > 0 ? t / total : 0;
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  TakeBest(scores, query, &taken, &out);
  FillPopular(query, /*for_user=*/false, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Rank(const ServeQuery& query,
                                        absl::Span<const std::string> items) const {
  absl::ReaderMutexLock lock(&mu_);
  const HistoryView view = ViewOf(query.history);
  const ScoreList list = ScoreHistory(view.sources);
  const Scores scores(list.begin(), list.end());
  // The known input items get the same signals and learned blend as
  // Personalized, normalized over the input; unknown ones go last.
  std::vector<Candidate> known;
  std::vector<size_t> known_position, unknown_position;
  for (size_t p = 0; p < items.size(); ++p) {
    auto it = index_.find(items[p]);
    if (it == index_.end() || items_[it->second].weight <= 0) {
      unknown_position.push_back(p);
      continue;
    }
    auto s = scores.find(it->second);
    known.push_back({it->second, {s == scores.end() ? 0 : s->second}});
    known_position.push_back(p);
  }
  FillSignals(view, &known);
  std::vector<std::pair<size_t, double>> ranked;  // (input position, score)
  ranked.reserve(known.size());
  for (size_t k = 0; k < known.size(); ++k) {
    const Candidate& c = known[k];
    // Popularity also breaks ties between equal blended scores.
    ranked.emplace_back(known_position[k],
                        (blend_.Score(c.features) + 1e-6 * c.features[kPopularity]) *
                            blend_.DemotionFactor(c.log_demotion) *
                            ContextBoost(c.index, query.contexts));
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<ScoredItem> out;
  out.reserve(items.size());
  for (const auto& [position, score] : ranked) out.push_back({items[position], score});
  for (size_t position : unknown_position) out.push_back({items[position], 0});
  return out;
}

std::vector<ItemModel::NewItem> ItemModel::NewItems(
    absl::Duration max_age, const absl::flat_hash_set<std::string>* exclude,
    size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<NewItem> out;
  const int64_t oldest = latest_event_micros_ - absl::ToInt64Microseconds(max_age);
  // Items are appended as first seen, so the newest are at the back; events
  // arriving out of order make that approximate, hence the tolerance.
  int old_in_a_row = 0;
  for (size_t k = items_.size(); k-- > 0 && out.size() < limit;) {
    const Item& item = items_[k];
    if (item.first_seen_micros < oldest) {
      if (++old_in_a_row > 256) break;
      continue;
    }
    old_in_a_row = 0;
    if (exclude != nullptr && exclude->contains(item.id)) continue;
    out.push_back({item.id, item.impressions, item.clicks});
  }
  return out;
}

absl::optional<ItemModel::ItemStats> ItemModel::Stats(absl::string_view item_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = index_.find(item_id);
  if (it == index_.end()) return absl::nullopt;
  const Item& item = items_[it->second];
  return ItemStats{item.weight, item.impressions, item.clicks};
}

double ItemModel::demotion_exponent() const {
  absl::ReaderMutexLock lock(&mu_);
  return blend_.demotion_exponent();
}

std::array<double, kBlendSignals> ItemModel::blend_weights() const {
  absl::ReaderMutexLock lock(&mu_);
  return blend_.weights();
}

size_t ItemModel::item_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return index_.size();
}

size_t ItemModel::neighbour_count() const {
  absl::ReaderMutexLock lock(&mu_);
  size_t n = 0;
  for (const Item& item : items_) n += item.neighbours.size();
  return n;
}

}  // namespace recloop
