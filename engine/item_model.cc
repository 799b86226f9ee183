#include "engine/item_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/negative_draws.h"
#include "engine/window_regression.h"

namespace recloop {
namespace {

// The blend learns from one interaction in this many (and from every
// choice out of an impression): it has a few weights to fit, and scoring a
// user's candidates on every event halved the learning rate of the engine
// benchmark (24k -> 12k events/s).
constexpr uint64_t kBlendLearnEvery = 8;
// Items each SequenceEmbedding step weighs the chosen item against: half
// from the window items' neighbour lists (the candidates serving ranks it
// among), half uniformly over the catalog (ML-100k HR@10: 25 + 25 0.2161,
// 50 uniform 0.2150, 50 from the lists 0.2159).
constexpr int kSequenceNeighbourNegatives = 25;
constexpr int kSequenceUniformNegatives = 25;
// Items each WindowRegression step weighs the chosen item against, drawn
// from the window items' neighbour lists (uniform draws over a large
// catalog would seldom be a pair that exists, and teach nothing).
constexpr int kRegressionNegatives = 20;
// Separates the regression's draws from the sequence model's for the same
// event.
constexpr uint64_t kRegressionSalt = 0x5265677265737331;  // "Regress1"

}  // namespace

ItemModel::ItemModel(const ModelOptions& options)
    : options_(options),
      co_occurrence_(static_cast<size_t>(options.max_neighbours)),
      popularity_(static_cast<size_t>(options.popular_pool)),
      trending_(static_cast<size_t>(options.popular_pool),
                options.trending_half_life_hours),
      contexts_(static_cast<size_t>(options.popular_pool)),
      tenure_(static_cast<size_t>(options.popular_pool)) {}

// --- Learning -----------------------------------------------------------------

void ItemModel::Observe(const Interaction& interaction,
                        absl::Span<const HistoryItem> history) {
  absl::MutexLock lock(&mu_);
  const int64_t micros = absl::ToUnixMicros(interaction.time);
  trending_.Observe(micros);
  const std::vector<uint32_t> shown = IndexShown(interaction, micros);
  const bool learns = !interaction.item_id.empty() && interaction.weight > 0;
  const uint32_t known = learns ? catalog_.Find(interaction.item_id) : ItemCatalog::kNone;
  UserWindow window;
  if (learns) window = UserWindow::Of(history, catalog_, options_);
  // The blend learns from the model as it was before this event: the
  // event's own click must not make the chosen item look less demoted.
  if (known != ItemCatalog::kNone) LearnBlend(known, history, window, shown);
  for (uint32_t i : shown) {
    catalog_.AddImpression(i, catalog_.item(i).id == interaction.item_id);
    dirty_.insert(i);
  }
  if (!learns) return;
  const uint32_t target =
      known != ItemCatalog::kNone ? known : AddItem(interaction.item_id, micros);
  Count(target, interaction, window, micros);
  LearnSequence(target, window, micros);
  AddPairs(target, interaction.weight, window);
  LearnRegression(target, window, micros);
}

std::vector<uint32_t> ItemModel::IndexShown(const Interaction& interaction,
                                            int64_t micros) {
  // Shown items get their indexes before anything learns, so that items
  // shown for the first time count among those not chosen.
  std::vector<uint32_t> shown;
  absl::flat_hash_set<uint32_t> seen;
  for (const std::string& id : interaction.impressions) {
    uint32_t i = catalog_.Find(id);
    if (i == ItemCatalog::kNone) i = AddItem(id, micros);
    if (seen.insert(i).second) shown.push_back(i);
  }
  return shown;
}

uint32_t ItemModel::AddItem(absl::string_view item_id, int64_t micros) {
  const uint32_t i = catalog_.Add(item_id, micros);
  Resize(catalog_.size());
  dirty_.insert(i);
  return i;
}

void ItemModel::Resize(size_t n) {
  catalog_.Resize(n);
  co_occurrence_.Resize(n);
  trending_.Resize(n);
  sequence_.Resize(n);
  tenure_.Resize(n);
}

void ItemModel::LearnBlend(uint32_t target, absl::Span<const HistoryItem> history,
                           const UserWindow& window, absl::Span<const uint32_t> shown) {
  const bool from_impression =
      shown.size() >= 2 && std::find(shown.begin(), shown.end(), target) != shown.end();
  // Chosen from what was shown is the best evidence of what the signals
  // are worth, so every such event teaches the blend.
  if (!from_impression && ++interactions_ % kBlendLearnEvery != 0) return;
  if (catalog_.item(target).weight <= 0) return;
  // An item the user comes back to teaches nothing about ranking new ones;
  // serving would exclude the user's items.
  const absl::flat_hash_set<uint32_t> interacted =
      UserWindow::Interacted(history, catalog_, options_);
  if (interacted.contains(target)) return;
  const std::vector<Candidate> candidates =
      from_impression ? Signals().Shown(window, shown, interacted)
                      : Signals().Gather(window, interacted);
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

void ItemModel::Count(uint32_t target, const Interaction& interaction,
                      const UserWindow& window, int64_t micros) {
  const double weight = interaction.weight;
  catalog_.AddInteraction(target, weight);
  dirty_.insert(target);
  popularity_.Update(target, catalog_.item(target).weight);
  // Stage popularity decays like trending, from the same origin.
  double rescale;
  const double scaled = trending_.Scaled(weight, micros, &rescale, &dirty_);
  if (rescale != 1) tenure_.Scale(rescale);
  trending_.Add(target, scaled);
  tenure_.Add(target, window.stage, scaled);
  contexts_.Add(interaction.contexts, target, weight);
}

void ItemModel::AddPairs(uint32_t target, double weight, const UserWindow& window) {
  double decay = 1.0;
  for (size_t k = 0; k < window.items.size(); ++k) {
    const uint32_t other = window.items[k].first;
    if (other == target) continue;
    const float w =
        static_cast<float>(std::sqrt(weight * window.event_weights[k]) * decay);
    co_occurrence_.Add(target, other, w);
    co_occurrence_.Add(other, target, w);
    dirty_.insert(target);
    dirty_.insert(other);
    decay *= options_.pair_decay;
  }
}

void ItemModel::LearnSequence(uint32_t target, const UserWindow& window, int64_t micros) {
  if (window.sources.empty()) return;
  std::vector<uint32_t> negatives;
  negatives.reserve(kSequenceUniformNegatives + kSequenceNeighbourNegatives);
  uint64_t state = DrawState(micros, target);
  std::vector<const NeighbourList*> lists;
  lists.reserve(window.items.size());
  for (const auto& [i, w] : window.items) lists.push_back(&co_occurrence_.neighbours(i));
  DrawNeighbours(lists, target, kSequenceNeighbourNegatives, &state, &negatives);
  DrawUniform(catalog_, target, kSequenceUniformNegatives,
              4 * (kSequenceUniformNegatives + kSequenceNeighbourNegatives), &state,
              &negatives);
  if (negatives.empty()) return;
  sequence_.Learn(window.sources, window.items, target, negatives);
  dirty_.insert(target);
  dirty_.insert(negatives.begin(), negatives.end());
  // The window's items are marked by AddPairs.
  for (const auto& [i, w] : window.sources) dirty_.insert(i);
}

void ItemModel::LearnRegression(uint32_t target, const UserWindow& window,
                                int64_t micros) {
  std::vector<NeighbourList*> rows;
  std::vector<const NeighbourList*> draw_from;
  std::vector<double> row_weights;
  rows.reserve(window.items.size());
  row_weights.reserve(window.items.size());
  for (size_t position = 0; position < window.items.size(); ++position) {
    const uint32_t i = window.items[position].first;
    if (i == target) continue;
    rows.push_back(co_occurrence_.mutable_neighbours(i));
    draw_from.push_back(rows.back());
    row_weights.push_back(WindowRegressionRowWeight(position, options_.recency_decay));
  }
  if (rows.empty()) return;
  std::vector<uint32_t> negatives;
  negatives.reserve(kRegressionNegatives);
  uint64_t state = DrawState(micros, target, kRegressionSalt);
  DrawNeighbours(draw_from, target, kRegressionNegatives, &state, &negatives);
  // Only the rows' lists change, and AddPairs marked them.
  LearnWindowRegression(rows, target, negatives, row_weights);
}

// --- Serving ------------------------------------------------------------------

CandidateSignals ItemModel::Signals() const {
  return CandidateSignals(
      {options_, catalog_, co_occurrence_, popularity_, trending_, tenure_, sequence_});
}

ListFiller ItemModel::Filler() const {
  return ListFiller({catalog_, popularity_, contexts_, tenure_, blend_});
}

absl::flat_hash_set<uint32_t> ItemModel::ExcludedIndices(const ServeQuery& query) const {
  absl::flat_hash_set<uint32_t> excluded;
  if (query.exclude == nullptr) return excluded;
  excluded.reserve(query.exclude->size());
  for (const std::string& id : *query.exclude) {
    const uint32_t i = catalog_.Find(id);
    if (i != ItemCatalog::kNone) excluded.insert(i);
  }
  return excluded;
}

std::vector<ScoredItem> ItemModel::Personalized(const ServeQuery& query) const {
  absl::ReaderMutexLock lock(&mu_);
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  const UserWindow window = UserWindow::Of(query.history, catalog_, options_);
  const std::vector<Candidate> candidates = Signals().Gather(window, taken);
  ScoreList scores;
  scores.reserve(candidates.size());
  for (const Candidate& c : candidates) {
    scores.emplace_back(
        c.index,
        blend_.Score(c.features, c.log_demotion) *
            contexts_.Boost(c.index, catalog_.item(c.index).weight, query.contexts));
  }
  std::vector<ScoredItem> out;
  const ListFiller filler = Filler();
  filler.TakeBest(scores, query.n, &taken, &out);
  filler.FillPopular(query.n, query.contexts, window.stage, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::PopularForUser(const ServeQuery& query) const {
  return PopularList(query, /*for_user=*/true);
}

std::vector<ScoredItem> ItemModel::Popular(const ServeQuery& query) const {
  return PopularList(query, /*for_user=*/false);
}

std::vector<ScoredItem> ItemModel::PopularList(const ServeQuery& query,
                                               bool for_user) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  absl::optional<size_t> stage;
  if (for_user) stage = UserWindow::StageOf(query.history, options_);
  Filler().FillPopular(query.n, query.contexts, stage, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Related(absl::string_view item_id,
                                           const ServeQuery& query) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  const ListFiller filler = Filler();
  const uint32_t item = catalog_.Find(item_id);
  if (item != ItemCatalog::kNone) {
    taken.insert(item);
    ScoreList scores = co_occurrence_.Similar(item, catalog_);
    for (auto& [i, s] : scores) {
      s *= blend_.DemotionFactor(catalog_.log_demotion(i)) *
           contexts_.Boost(i, catalog_.item(i).weight, query.contexts);
    }
    filler.TakeBest(scores, query.n, &taken, &out);
  }
  filler.FillPopular(query.n, query.contexts,
                     UserWindow::StageOf(query.history, options_), &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Trending(const ServeQuery& query) const {
  absl::ReaderMutexLock lock(&mu_);
  ScoreList scores = trending_.pool().Sorted();
  double total = 0;
  for (const auto& [i, t] : scores) total += t;
  for (auto& [i, t] : scores) t = total > 0 ? t / total : 0;
  std::vector<ScoredItem> out;
  absl::flat_hash_set<uint32_t> taken = ExcludedIndices(query);
  const ListFiller filler = Filler();
  filler.TakeBest(scores, query.n, &taken, &out);
  filler.FillPopular(query.n, query.contexts, absl::nullopt, &taken, &out);
  return out;
}

std::vector<ScoredItem> ItemModel::Rank(const ServeQuery& query,
                                        absl::Span<const std::string> items) const {
  absl::ReaderMutexLock lock(&mu_);
  const UserWindow window = UserWindow::Of(query.history, catalog_, options_);
  const ScoreList list = co_occurrence_.Score(window.sources, catalog_);
  const absl::flat_hash_map<uint32_t, double> collaborative(list.begin(), list.end());
  // The known input items get the same signals and learned blend as
  // Personalized, normalized over the input; unknown ones go last.
  std::vector<Candidate> known;
  std::vector<size_t> known_position, unknown_position;
  for (size_t p = 0; p < items.size(); ++p) {
    const uint32_t i = catalog_.Find(items[p]);
    if (i == ItemCatalog::kNone || catalog_.item(i).weight <= 0) {
      unknown_position.push_back(p);
      continue;
    }
    auto s = collaborative.find(i);
    known.push_back({i, {s == collaborative.end() ? 0 : s->second}});
    known_position.push_back(p);
  }
  Signals().Fill(window, &known);
  std::vector<std::pair<size_t, double>> ranked;  // (input position, score)
  ranked.reserve(known.size());
  for (size_t k = 0; k < known.size(); ++k) {
    const Candidate& c = known[k];
    // Popularity also breaks ties between equal blended scores.
    ranked.emplace_back(
        known_position[k],
        (blend_.Score(c.features) + 1e-6 * c.features[kPopularity]) *
            blend_.DemotionFactor(c.log_demotion) *
            contexts_.Boost(c.index, catalog_.item(c.index).weight, query.contexts));
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<ScoredItem> out;
  out.reserve(items.size());
  for (const auto& [position, score] : ranked) out.push_back({items[position], score});
  for (size_t position : unknown_position) out.push_back({items[position], 0});
  return out;
}

std::vector<NewItem> ItemModel::NewItems(absl::Duration max_age,
                                         const absl::flat_hash_set<std::string>* exclude,
                                         size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<NewItem> out;
  const int64_t oldest =
      trending_.latest_event_micros() - absl::ToInt64Microseconds(max_age);
  // Items are appended as first seen, so the newest are at the back; events
  // arriving out of order make that approximate, hence the tolerance.
  int old_in_a_row = 0;
  for (size_t k = catalog_.size(); k-- > 0 && out.size() < limit;) {
    const ItemCatalog::Item& item = catalog_.item(static_cast<uint32_t>(k));
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
  const uint32_t i = catalog_.Find(item_id);
  if (i == ItemCatalog::kNone) return absl::nullopt;
  const ItemCatalog::Item& item = catalog_.item(i);
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
  return catalog_.known();
}

size_t ItemModel::neighbour_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return co_occurrence_.neighbour_count();
}

// --- Checkpoints ----------------------------------------------------------------

std::vector<uint32_t> ItemModel::TakeDirty() {
  absl::MutexLock lock(&mu_);
  std::vector<uint32_t> taken(dirty_.begin(), dirty_.end());
  dirty_.clear();
  return taken;
}

void ItemModel::MarkDirty(absl::Span<const uint32_t> indexes) {
  absl::MutexLock lock(&mu_);
  dirty_.insert(indexes.begin(), indexes.end());
}

void ItemModel::ReadItems(
    absl::Span<const uint32_t> indexes,
    absl::FunctionRef<void(uint32_t, const ItemState&)> read) const {
  // Reading the changed items takes long at scale (seconds at 2M events);
  // a shared lock lets lists be served meanwhile.
  absl::ReaderMutexLock lock(&mu_);
  auto contexts = contexts_.Of(indexes);
  for (uint32_t i : indexes) {
    const ItemCatalog::Item& item = catalog_.item(i);
    ItemState state;
    state.item_id = item.id;
    state.first_seen_micros = item.first_seen_micros;
    state.weight = item.weight;
    state.events = item.events;
    state.trend = trending_.trend(i);
    state.impressions = item.impressions;
    state.clicks = item.clicks;
    state.sequence_input = sequence_.input(i);
    state.sequence_output = sequence_.output(i);
    state.sequence_bias = sequence_.bias(i);
    state.tenure_weights = tenure_.weights(i);
    state.neighbours = co_occurrence_.neighbours(i).entries();
    auto found = contexts.find(i);
    if (found != contexts.end()) state.contexts = std::move(found->second);
    read(i, state);
  }
}

std::vector<ItemCopy> ItemModel::CopyItems(absl::Span<const uint32_t> indexes) const {
  std::vector<ItemCopy> copies;
  copies.reserve(indexes.size());
  ReadItems(indexes, [&](uint32_t index, const ItemState& state) {
    ItemCopy& copy = copies.emplace_back();
    copy.index = index;
    copy.item_id = std::string(state.item_id);
    copy.first_seen_micros = state.first_seen_micros;
    copy.weight = state.weight;
    copy.events = state.events;
    copy.trend = state.trend;
    copy.impressions = state.impressions;
    copy.clicks = state.clicks;
    copy.sequence_input.assign(state.sequence_input.begin(), state.sequence_input.end());
    copy.sequence_output.assign(state.sequence_output.begin(),
                                state.sequence_output.end());
    copy.sequence_bias = state.sequence_bias;
    copy.tenure_weights.assign(state.tenure_weights.begin(), state.tenure_weights.end());
    copy.neighbours.assign(state.neighbours.begin(), state.neighbours.end());
    for (const auto& [context, weight] : state.contexts) {
      copy.contexts.emplace_back(std::string(context), weight);
    }
  });
  return copies;
}

ItemState ItemCopy::view() const {
  ItemState state;
  state.item_id = item_id;
  state.first_seen_micros = first_seen_micros;
  state.weight = weight;
  state.events = events;
  state.trend = trend;
  state.impressions = impressions;
  state.clicks = clicks;
  state.sequence_input = sequence_input;
  state.sequence_output = sequence_output;
  state.sequence_bias = sequence_bias;
  state.tenure_weights = tenure_weights;
  state.neighbours = neighbours;
  for (const auto& [context, weight] : contexts)
    state.contexts.emplace_back(context, weight);
  return state;
}

absl::optional<ModelHeader> ItemModel::Header() const {
  absl::ReaderMutexLock lock(&mu_);
  if (!trending_.has_events()) return absl::nullopt;
  ModelHeader header;
  header.trend_origin_micros = trending_.origin_micros();
  header.latest_event_micros = trending_.latest_event_micros();
  header.blend = blend_.Checkpoint();
  header.total_weight = catalog_.total_weight();
  for (size_t stage = 0; stage < TenurePopularity::kStages; ++stage) {
    header.tenure_totals.push_back(tenure_.Total(stage));
  }
  header.context_totals = contexts_.Totals();
  header.blend_interactions = interactions_;
  return header;
}

void ItemModel::RestoreHeader(const ModelHeader& header) {
  absl::MutexLock lock(&mu_);
  trending_.RestoreClock(header.trend_origin_micros, header.latest_event_micros);
  blend_.Restore(header.blend);
  if (header.total_weight) catalog_.RestoreTotalWeight(*header.total_weight);
  tenure_.RestoreTotals(header.tenure_totals);
  for (const auto& [context, total] : header.context_totals) {
    contexts_.RestoreTotal(context, total);
  }
  interactions_ = header.blend_interactions;
}

void ItemModel::RestoreItem(uint32_t index, const ItemState& state) {
  absl::MutexLock lock(&mu_);
  if (index >= catalog_.size()) Resize(index + 1);
  ItemCatalog::Item item;
  item.id = std::string(state.item_id);
  item.first_seen_micros = state.first_seen_micros;
  item.weight = state.weight;
  item.events = state.events;
  item.impressions = state.impressions;
  item.clicks = state.clicks;
  catalog_.Restore(index, item);
  sequence_.Restore(index, state.sequence_input, state.sequence_output,
                    state.sequence_bias);
  tenure_.Restore(index, state.tenure_weights);
  NeighbourList* neighbours = co_occurrence_.mutable_neighbours(index);
  neighbours->reserve(state.neighbours.size());
  for (const NeighbourList::Entry& e : state.neighbours) {
    neighbours->Add(e.index, e.weight, e.learned);
  }
  for (const auto& [context, weight] : state.contexts) {
    contexts_.Restore(index, context, weight);
  }
  trending_.Restore(index, state.trend, /*in_pool=*/state.weight > 0);
  if (state.weight > 0) popularity_.Update(index, state.weight);
}

}  // namespace recloop
