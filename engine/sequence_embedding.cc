#include "engine/sequence_embedding.h"

#include <algorithm>
#include <cmath>

#include "common/split_mix.h"

namespace recloop {
namespace {

// Step size of plain SGD. Each item is updated only when it is chosen,
// sampled against, or among the chooser's recent items, so steps are
// large; 0.2 was the best of 0.05-0.5 on ML-100k.
constexpr float kLearningRate = 0.2f;
// Initial vector entries are uniform in [-kInitialRange, kInitialRange]
// (standard deviation 0.1): small, so that early scores are near 0, and
// different, so that items can move apart.
constexpr float kInitialRange = 0.173f;

float InitialValue(uint64_t item, uint64_t slot) {
  const double unit =
      static_cast<double>(SplitMix64(item * 2 * SequenceEmbedding::kDims + slot) >> 11) * 0x1.0p-53;
  return static_cast<float>((2 * unit - 1) * kInitialRange);
}

}  // namespace

void SequenceEmbedding::Resize(size_t n) {
  const size_t old = size();
  input_.resize(n * kDims);
  output_.resize(n * kDims);
  bias_.resize(n, 0.0f);
  for (size_t i = old; i < n; ++i) {
    for (size_t d = 0; d < kDims; ++d) {
      input_[i * kDims + d] = InitialValue(i, d);
      output_[i * kDims + d] = InitialValue(i, kDims + d);
    }
  }
}

double SequenceEmbedding::TotalWeight(Sources sources) const {
  double total = 0;
  for (const auto& [item, weight] : sources) {
    if (weight > 0 && item < size()) total += weight;
  }
  return total;
}

bool SequenceEmbedding::AddAverage(Sources sources, Context* context) const {
  const double total = TotalWeight(sources);
  if (!(total > 0)) return false;
  for (const auto& [item, weight] : sources) {
    if (!(weight > 0) || item >= size()) continue;
    const float share = static_cast<float>(weight / total);
    const float* v = &input_[item * kDims];
    for (size_t d = 0; d < kDims; ++d) (*context)[d] += share * v[d];
  }
  return true;
}

void SequenceEmbedding::Spread(Sources sources, const Context& gradient) {
  const double total = TotalWeight(sources);
  if (!(total > 0)) return;
  for (const auto& [item, weight] : sources) {
    if (!(weight > 0) || item >= size()) continue;
    const float share = static_cast<float>(weight / total);
    float* v = &input_[static_cast<size_t>(item) * kDims];
    for (size_t d = 0; d < kDims; ++d) v[d] -= kLearningRate * share * gradient[d];
  }
}

bool SequenceEmbedding::MakeContext(Sources recent, Sources longer, Context* context) const {
  context->fill(0.0f);
  const bool has_recent = AddAverage(recent, context);
  const bool has_longer = AddAverage(longer, context);
  return has_recent || has_longer;
}

double SequenceEmbedding::Score(const Context& context, uint32_t item) const {
  const float* v = &output_[static_cast<size_t>(item) * kDims];
  float dot = 0;
  for (size_t d = 0; d < kDims; ++d) dot += context[d] * v[d];
  return dot + bias_[item];
}

void SequenceEmbedding::Learn(Sources recent, Sources longer, uint32_t target,
                              absl::Span<const uint32_t> negatives) {
  Context context;
  if (target >= size() || !MakeContext(recent, longer, &context)) return;
  std::vector<uint32_t> candidates;
  candidates.reserve(negatives.size() + 1);
  candidates.push_back(target);
  for (uint32_t n : negatives) {
    if (n < size() && n != target) candidates.push_back(n);
  }
  // Softmax over the candidates' scores.
  std::vector<double> p(candidates.size());
  double max_score = -HUGE_VAL;
  for (size_t c = 0; c < candidates.size(); ++c) {
    p[c] = Score(context, candidates[c]);
    max_score = std::max(max_score, p[c]);
  }
  double total = 0;
  for (double& x : p) {
    x = std::exp(x - max_score);
    total += x;
  }
  // Gradient of the negative log likelihood: (p_c - [c is the target]) per
  // candidate; the context's gradient uses the output vectors before they
  // move.
  Context context_gradient{};
  for (size_t c = 0; c < candidates.size(); ++c) {
    const float g = static_cast<float>(p[c] / total - (c == 0 ? 1.0 : 0.0));
    float* v = &output_[static_cast<size_t>(candidates[c]) * kDims];
    for (size_t d = 0; d < kDims; ++d) {
      context_gradient[d] += g * v[d];
      v[d] -= kLearningRate * g * context[d];
    }
    bias_[candidates[c]] -= kLearningRate * g;
  }
  // Each source's input vector moves by its share of its average.
  Spread(recent, context_gradient);
  Spread(longer, context_gradient);
}

absl::Span<const float> SequenceEmbedding::input(uint32_t item) const {
  return absl::MakeConstSpan(&input_[static_cast<size_t>(item) * kDims], kDims);
}

absl::Span<const float> SequenceEmbedding::output(uint32_t item) const {
  return absl::MakeConstSpan(&output_[static_cast<size_t>(item) * kDims], kDims);
}

void SequenceEmbedding::Restore(uint32_t item, absl::Span<const float> input,
                                absl::Span<const float> output, float bias) {
  if (item >= size() || input.size() != kDims || output.size() != kDims ||
      !std::isfinite(bias)) {
    return;
  }
  const auto finite = [](float x) { return std::isfinite(x); };
  if (!std::all_of(input.begin(), input.end(), finite) ||
      !std::all_of(output.begin(), output.end(), finite)) {
    return;
  }
  std::copy(input.begin(), input.end(), input_.begin() + item * kDims);
  std::copy(output.begin(), output.end(), output_.begin() + item * kDims);
  bias_[item] = bias;
}

}  // namespace recloop
