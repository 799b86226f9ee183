#include "bench/interaction_log.h"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace recloop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.Sub(name);
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> Keys(const std::vector<LoggedInteraction>& log) {
  std::vector<std::string> out;
  for (const auto& e : log) out.push_back(e.user + "/" + e.item);
  return out;
}

TEST(InteractionLogTest, ReadsMovieLensTabSeparatedLines) {
  TempDir dir;
  const std::string path =
      Write(dir, "u.data", "196\t242\t3\t881250949\n186\t302\t3.5\t891717742\n");
  auto log = ReadInteractionLog("tsv", path);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].user, "196");
  EXPECT_EQ((*log)[0].item, "242");
  EXPECT_EQ((*log)[0].ts, 881250949);
  EXPECT_TRUE((*log)[1].has_value);
  EXPECT_DOUBLE_EQ((*log)[1].value, 3.5);
}

TEST(InteractionLogTest, CsvSkipsTheHeaderWindowsLineEndsAndMalformedLines) {
  TempDir dir;
  const std::string path = Write(dir, "ratings.csv",
                                 "userId,movieId,rating,timestamp\r\n"
                                 "1,31,2.5,1260759144\r\n"
                                 "1,1029\r\n"
                                 "2,10,4.0,not-a-time\r\n"
                                 "2,17,,835355681\r\n");
  auto log = ReadInteractionLog("csv", path);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(Keys(*log), ElementsAre("1/31", "2/17"));
  EXPECT_TRUE((*log)[0].has_value);
  EXPECT_FALSE((*log)[1].has_value);  // an empty rating is no value
}

TEST(InteractionLogTest, MissingFileAndUnknownFormatAreErrors) {
  TempDir dir;
  auto missing = ReadInteractionLog("tsv", dir.Sub("absent"));
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  auto unknown = ReadInteractionLog("xml", Write(dir, "x", "1\t2\t3\t4\n"));
  EXPECT_TRUE(absl::IsInvalidArgument(unknown.status())) << unknown.status();
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("format"));
}

TEST(InteractionLogTest, ReplayOrderIsTimeThenNumericUserThenNumericItem) {
  std::vector<LoggedInteraction> log = {
      {20, "1", "5", 0, false},  {10, "10", "2", 0, false}, {10, "9", "30", 0, false},
      {10, "9", "4", 0, false},  {10, "b", "1", 0, false},  {10, "a", "1", 0, false},
  };
  SortForReplay(&log);
  // 9 before 10 and item 4 before item 30 (numeric, not text, order); ids
  // that are not numbers compare as text.
  EXPECT_THAT(Keys(log), ElementsAre("9/4", "9/30", "10/2", "a/1", "b/1", "1/5"));
}

TEST(InteractionLogTest, SyntheticLogIsReproducibleFromItsSeed) {
  SyntheticLogOptions options;
  options.users = 30;
  options.items = 40;
  const auto first = SynthesizeInteractionLog(options);
  EXPECT_EQ(Keys(first), Keys(SynthesizeInteractionLog(options)));
  // Every user takes part, never rating an item twice, within the catalog.
  std::set<std::string> users, pairs;
  for (const auto& e : first) {
    users.insert(e.user);
    EXPECT_TRUE(pairs.insert(e.user + "/" + e.item).second) << e.user << " " << e.item;
    int item = -1;
    ASSERT_TRUE(absl::SimpleAtoi(e.item.substr(1), &item)) << e.item;
    EXPECT_TRUE(item >= 0 && item < 40) << e.item;
  }
  EXPECT_EQ(users.size(), 30u);
  options.seed = 2;
  EXPECT_NE(Keys(first), Keys(SynthesizeInteractionLog(options)));
}

}  // namespace
}  // namespace recloop
