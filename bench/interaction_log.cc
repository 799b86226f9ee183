#include "bench/interaction_log.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace recloop {

absl::StatusOr<std::vector<LoggedInteraction>> ReadInteractionLog(absl::string_view format,
                                                                  const std::string& path) {
  if (format != "tsv" && format != "csv") {
    return absl::InvalidArgumentError(absl::StrCat("format: unknown log format \"", format,
                                                   "\" (tsv or csv)"));
  }
  const bool csv = format == "csv";
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<LoggedInteraction> out;
  std::string line;
  if (csv) std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f = absl::StrSplit(line, csv ? ',' : '\t');
    if (f.size() < 4) continue;
    LoggedInteraction e;
    e.user = f[0];
    e.item = f[1];
    e.has_value = absl::SimpleAtod(f[2], &e.value);
    double ts;
    if (!absl::SimpleAtod(f[3], &ts)) continue;
    e.ts = static_cast<int64_t>(ts);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<LoggedInteraction> SynthesizeInteractionLog(const SyntheticLogOptions& options) {
  const int users = options.users;
  const int items = std::max(1, options.items);
  const int clusters = std::max(1, options.clusters);
  std::mt19937_64 rng(options.seed);
  std::vector<double> zipf;
  const int per_cluster = std::max(1, items / clusters);
  for (int r = 0; r < per_cluster; ++r) zipf.push_back(1.0 / (r + 1));
  std::discrete_distribution<int> in_cluster(zipf.begin(), zipf.end());
  std::uniform_int_distribution<int> any_item(0, items - 1);
  std::uniform_int_distribution<int> any_cluster(0, clusters - 1);
  std::bernoulli_distribution off_taste(0.15);
  std::vector<LoggedInteraction> out;
  const int64_t ts = 1700000000;
  for (int u = 0; u < users; ++u) {
    const int cluster = any_cluster(rng);
    std::set<int> seen;
    for (int n = 0; n < options.events_per_user; ++n) {
      const int item = off_taste(rng)
                           ? any_item(rng)
                           : (cluster * per_cluster + in_cluster(rng)) % items;
      if (!seen.insert(item).second) continue;
      // Users interleave: each event at a random time within the span.
      out.push_back({ts + static_cast<int64_t>(rng() % (users * 60)), absl::StrCat("u", u),
                     absl::StrCat("i", item), 1, false});
    }
  }
  return out;
}

void SortForReplay(std::vector<LoggedInteraction>* log) {
  std::sort(log->begin(), log->end(),
            [](const LoggedInteraction& a, const LoggedInteraction& b) {
              if (a.ts != b.ts) return a.ts < b.ts;
              int64_t ua, ub, ia, ib;
              if (a.user != b.user) {
                if (absl::SimpleAtoi(a.user, &ua) && absl::SimpleAtoi(b.user, &ub)) {
                  return ua < ub;
                }
                return a.user < b.user;
              }
              if (absl::SimpleAtoi(a.item, &ia) && absl::SimpleAtoi(b.item, &ib)) {
                return ia < ib;
              }
              return a.item < b.item;
            });
}

}  // namespace recloop
