// A real RocksDB store for unit tests: small memtables and caches, in a
// directory the caller owns (usually a TempDir).
#ifndef RECLOOP_TESTS_TESTING_TEST_STORE_H_
#define RECLOOP_TESTS_TESTING_TEST_STORE_H_

#include <memory>
#include <string>

#include "storage/store.h"

namespace recloop {

// Opens (creating) a small-footprint store at `path`; a failure to open
// fails the calling test and returns null.
std::unique_ptr<Store> OpenTestStore(const std::string& path);

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_TEST_STORE_H_
