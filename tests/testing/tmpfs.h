// Tmpfs: a small filesystem of its own for tests that fill a disk. Mounting
// needs root (CI runs as root).
#ifndef RECLOOP_TESTS_TESTING_TMPFS_H_
#define RECLOOP_TESTS_TESTING_TMPFS_H_

#include <cstdint>
#include <string>

namespace recloop {

class Tmpfs {
 public:
  // Creates the directory `path` and mounts a tmpfs of `size` (for example
  // "48m") on it; mounted() says whether that worked, error() why not.
  Tmpfs(std::string path, const std::string& size);
  // Unmounts (lazily, so that a process still holding files there does not
  // stop it).
  ~Tmpfs();
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

  // Grows the file "filler" until `leave` bytes are free.
  void Fill(int64_t leave) const;
  // Deletes that file.
  void FreeFiller() const;

 private:
  const std::string path_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace recloop

#endif  // RECLOOP_TESTS_TESTING_TMPFS_H_
