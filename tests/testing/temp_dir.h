// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction. Tests open real RocksDB stores in these.
#ifndef RECLOOP_TESTS_TESTING_TEMP_DIR_H_
#define RECLOOP_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace recloop {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name, not created.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_TEMP_DIR_H_
