// Store::backup: a compacted copy of the live store, written while writes go on.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "zonestore/store.h"

namespace rdnsd::zonestore {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw StoreError("internal", what + ": " + std::strerror(err));
}

// Makes the rename of a file in `dir` durable.
void sync_dir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  ::close(fd);
}

}  // namespace

uint64_t Store::backup(const std::string& path) const {
  if (path.empty() || path[0] != '/')
    throw StoreError("bad_request", "the backup path must be absolute: '" + path + "'");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0)
    throw StoreError("conflict", path + " exists; the backup never replaces a file");
  const std::string tmp = path + ".partial";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) fail("cannot create " + tmp, errno);
  // The copy reads through a read transaction of its own: the gate keeps the map still
  // under it (a growth waits, see zonestore/reader_gate.h).
  ReaderGate& gate = env_.gate();
  gate.enter_shared();
  const int rc = mdb_env_copyfd2(env_.get(), fd, MDB_CP_COMPACT);
  gate.leave_shared();
  int err = rc;
  if (rc == 0 && fsync(fd) != 0) err = errno;
  if (rc == 0 && err == 0 && fstat(fd, &st) != 0) err = errno;
  ::close(fd);
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw StoreError("internal", "cannot write the backup " + path + ": " +
                                     (rc != 0 ? mdb_strerror(rc) : std::strerror(err)));
  }
  sync_dir(path.substr(0, path.rfind('/')));
  return uint64_t(st.st_size);
}

}  // namespace rdnsd::zonestore
