#include "engine/candidates.h"

#include <algorithm>
#include <cmath>

#include "engine/window_regression.h"

namespace recloop {
namespace {

// How many of the most trending, of the most popular and of the most
// popular at the user's stage join a user's collaborative candidates.
constexpr size_t kPoolCandidates = 50;

}  // namespace

std::vector<Candidate> CandidateSignals::Gather(
    const UserWindow& window, const absl::flat_hash_set<uint32_t>& excluded) const {
  std::vector<Candidate> out;
  const ScoreList collaborative = c_.co_occurrence.Score(window.sources, c_.catalog);
  if (collaborative.empty()) return out;
  // Which items are excluded or already listed, in a dense per-thread array
  // (a hash set probe per neighbour cost more than the scoring).
  enum : uint8_t { kFree = 0, kExcluded = 1, kListed = 2 };
  thread_local std::vector<uint8_t> mark;
  if (mark.size() < c_.catalog.size()) mark.resize(c_.catalog.size(), kFree);
  for (uint32_t i : excluded) mark[i] = kExcluded;
  out.reserve(collaborative.size() + 3 * kPoolCandidates);
  const auto add = [&](uint32_t i, double score) {
    if (mark[i] != kFree) return;
    mark[i] = kListed;
    out.push_back({i, {score}});
  };
  for (const auto& [i, score] : collaborative) add(i, score);
  for (const auto& [i, trend] : c_.trending.pool().Best(kPoolCandidates)) add(i, 0);
  for (const auto& [i, weight] : c_.popularity.pool().Best(kPoolCandidates)) add(i, 0);
  for (const auto& [i, weight] : c_.tenure.Top(window.stage, kPoolCandidates)) add(i, 0);
  for (uint32_t i : excluded) mark[i] = kFree;
  for (const Candidate& c : out) mark[c.index] = kFree;
  Fill(window, &out);
  return out;
}

std::vector<Candidate> CandidateSignals::Shown(
    const UserWindow& window, absl::Span<const uint32_t> shown,
    const absl::flat_hash_set<uint32_t>& excluded) const {
  std::vector<Candidate> candidates;
  candidates.reserve(shown.size());
  for (uint32_t i : shown) {
    if (excluded.contains(i)) continue;
    candidates.push_back({i, {c_.co_occurrence.ScoreOf(window.sources, i, c_.catalog)}});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.index < b.index; });
  Fill(window, &candidates);
  return candidates;
}

void CandidateSignals::Fill(const UserWindow& window,
                            std::vector<Candidate>* candidates) const {
  // Trend and stage popularity are on a log scale, in units of one
  // interaction at the latest event time, like popularity: linear trend
  // scores are so skewed that, normalized by the list's maximum, nearly
  // every candidate reads 0 (MIND click-through 0.00228 linear, 0.00358 log).
  const double unit = c_.trending.Unit();
  // The sequence and regression scores are logits of any sign: they are
  // shifted by the list's minimum before the common scaling by the maximum.
  SequenceEmbedding::Context context;
  const bool has_context =
      c_.sequence.MakeContext(window.sources, window.items, &context);
  const std::vector<double> regression = RegressionScores(window, *candidates);
  double min_sequence = HUGE_VAL;
  double min_regression = HUGE_VAL;
  for (size_t k = 0; k < candidates->size(); ++k) {
    Candidate& c = (*candidates)[k];
    c.log_demotion = c_.catalog.log_demotion(c.index);
    c.features[kTrending] = std::log1p(c_.trending.trend(c.index) / unit);
    c.features[kPopularity] = c_.catalog.log_weight(c.index);
    c.features[kSequence] = has_context ? c_.sequence.Score(context, c.index) : 0;
    c.features[kTenure] = std::log1p(c_.tenure.Weight(c.index, window.stage) / unit);
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

std::vector<double> CandidateSignals::RegressionScores(
    const UserWindow& window, const std::vector<Candidate>& candidates) const {
  if (window.items.empty() || candidates.empty()) {
    return std::vector<double>(candidates.size(), 0.0);
  }
  std::vector<const NeighbourList*> rows;
  std::vector<double> row_weights;
  rows.reserve(window.items.size());
  row_weights.reserve(window.items.size());
  for (size_t position = 0; position < window.items.size(); ++position) {
    rows.push_back(&c_.co_occurrence.neighbours(window.items[position].first));
    row_weights.push_back(WindowRegressionRowWeight(position, c_.options.recency_decay));
  }
  std::vector<uint32_t> indexes;
  indexes.reserve(candidates.size());
  for (const Candidate& c : candidates) indexes.push_back(c.index);
  return WindowRegressionScores(rows, row_weights, indexes, c_.catalog.size());
}

}  // namespace recloop
