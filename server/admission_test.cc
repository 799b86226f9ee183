#include "server/admission.h"

#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recloop {
namespace {

TEST(AdmissionTest, RefusesBeyondTheBoundAndRecoversOnRelease) {
  Admission admission(2);
  std::vector<Admission::Ticket> held;
  for (int i = 0; i < 2; ++i) {
    auto t = admission.TryAcquire();
    ASSERT_TRUE(t.ok());
    held.push_back(*std::move(t));
  }
  auto refused = admission.TryAcquire();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("overloaded"));
  EXPECT_EQ(admission.in_flight(), 2) << "a refusal holds no place";
  held.pop_back();
  EXPECT_TRUE(admission.TryAcquire().ok());
  held.clear();
  EXPECT_EQ(admission.in_flight(), 0);
}

TEST(AdmissionTest, ZeroMeansUnbounded) {
  Admission admission(0);
  std::vector<Admission::Ticket> held;
  for (int i = 0; i < 1000; ++i) held.push_back(*admission.TryAcquire());
  EXPECT_EQ(admission.in_flight(), 1000);
}

}  // namespace
}  // namespace recloop
