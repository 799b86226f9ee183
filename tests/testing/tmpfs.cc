#include "tests/testing/tmpfs.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

#include "storage/disk_space.h"

namespace recloop {

Tmpfs::Tmpfs(std::string path, const std::string& size) : path_(std::move(path)) {
  if (::mkdir(path_.c_str(), 0755) != 0) {
    error_ = std::string("mkdir: ") + std::strerror(errno);
    return;
  }
  const std::string options = "size=" + size;
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    error_ = std::string("mount tmpfs: ") + std::strerror(errno);
    return;
  }
  mounted_ = true;
}

Tmpfs::~Tmpfs() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

void Tmpfs::Fill(int64_t leave) const {
  const absl::StatusOr<uint64_t> free = DiskSpace::FreeBytes(path_);
  if (!free.ok()) return;
  std::ofstream out(path_ + "/filler", std::ios::binary | std::ios::app);
  const std::string chunk(1 << 20, 'f');
  for (int64_t left = static_cast<int64_t>(*free) - leave; left > 0;
       left -= static_cast<int64_t>(chunk.size())) {
    out.write(chunk.data(), std::min<int64_t>(left, static_cast<int64_t>(chunk.size())));
  }
}

void Tmpfs::FreeFiller() const { std::remove((path_ + "/filler").c_str()); }

}  // namespace recloop
