#include "tests/testing/test_store.h"

#include "gtest/gtest.h"

namespace recloop {

std::unique_ptr<Store> OpenTestStore(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.small_footprint = true;
  auto store = Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

}  // namespace recloop
