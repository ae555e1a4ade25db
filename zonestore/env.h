#pragma once
// The store's LMDB environment, the handles of its tables, and the move-only
// transaction and cursor types everything else reads and writes through.
//
// Schema (the layouts are in zonestore/codec/): `zones` (zone_value.h), `ptr`
// (ptr_value.h), `meta` and `ids` (meta_value.h), `info` (info_value.h), `journal`
// (journal_value.h), `dhcid` (dhcid_value.h); keys in keys.h.
#include <lmdb.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "zonestore/codec/bytes.h"
#include "zonestore/reader_gate.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore {

// Throws StoreError with `what` and LMDB's reason unless rc is 0: code "store_full" for
// MDB_MAP_FULL (the map has no room; Store grows it, zonestore/store.h), "internal" else.
void check(int rc, const char* what);

// The reader gate of an environment opened by Env::open (zonestore/reader_gate.h).
ReaderGate& gate_of(MDB_env* env) noexcept;

// A read transaction for a reader that holds it outside the Store (a transfer): it
// passes the reader gate first. Returns LMDB's code (0: `*txn` is set). End it with
// end_snapshot, never mdb_txn_abort alone.
int begin_snapshot(MDB_env* env, MDB_txn** txn) noexcept;
void end_snapshot(MDB_txn* txn) noexcept;

// The store's tables (named databases), opened once per environment.
struct Tables {
  MDB_dbi zones = 0, ptr = 0, meta = 0, ids = 0, info = 0, journal = 0;
  MDB_dbi dhcid = 0;  // codec/dhcid_value.h
  MDB_dbi tokens = 0;  // the HTTP API's tokens (codec/token_value.h)
};

// One open environment (one per process), closed when destroyed. Move-only.
class Env {
 public:
  Env() = default;
  // Creates options.path if it is missing, takes the store's lock (below) and opens the
  // environment there: MDB_NOTLS (read transactions belong to objects, not threads),
  // durable commits, the map advised MADV_HUGEPAGE. Throws StoreError("internal") with
  // the path and the reason (LMDB's, or that another process holds the store).
  //
  // The lock: an exclusive flock(2) on `rdnsd.lock` in the store's folder, held for the
  // Env's life and taken before anything reads or writes the store, so that a second
  // rdnsd on the same store is refused before it changes anything (LMDB itself lets
  // many processes share an environment). The file holds the holder's pid, for the
  // message. One Env per store per process, too: a second open in the same process
  // is refused the same way.
  static Env open(const StoreOptions& options);
  ~Env();
  Env(Env&& other) noexcept
      : env_(std::exchange(other.env_, nullptr)),
        lock_fd_(std::exchange(other.lock_fd_, -1)),
        gate_(std::move(other.gate_)),
        path_(std::move(other.path_)) {}
  Env& operator=(Env&& other) noexcept;
  MDB_env* get() const noexcept { return env_; }
  ReaderGate& gate() const noexcept { return *gate_; }

  // The map's size now (LMDB's, which is at least the data the file holds).
  uint64_t map_size() const;
  // Remaps the store to `size` bytes (LMDB rounds a size below the data up to it) once
  // every reader of this process is out (ReaderGate::exclusive, waiting at most `wait`
  // for transfers and exports). Must be called with no write transaction open. False if
  // the readers did not leave in time; throws StoreError if LMDB refuses.
  bool resize(uint64_t size, std::chrono::milliseconds wait);

 private:
  MDB_env* env_ = nullptr;
  int lock_fd_ = -1;
  std::unique_ptr<ReaderGate> gate_;  // its address is the env's userctx
  std::string path_;
};

// Opens the tables in the write transaction `txn`, creating the missing ones; `ptr` and
// `meta` compare with compare_address_keys (zonestore/codec/keys.h).
Tables open_tables(MDB_txn* txn);

// A move-only LMDB transaction whose destructor aborts unless committed.
class Txn {
 public:
  // A read transaction passes the env's reader gate first (ReaderGate::enter_shared).
  Txn(MDB_env* env, bool write) {
    if (!write) {
      gate_ = &gate_of(env);
      gate_->enter_shared();
    }
    const int rc = mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn_);
    if (rc != 0) release();
    check(rc, "begin transaction");
  }
  // A write transaction nested in `parent` (no MDB_WRITEMAP, so LMDB allows it): its
  // commit hands its changes to the parent, its abort drops only them.
  Txn(MDB_env* env, MDB_txn* parent) {
    check(mdb_txn_begin(env, parent, 0, &txn_), "begin nested transaction");
  }
  ~Txn() { release(); }
  Txn(Txn&& other) noexcept
      : txn_(std::exchange(other.txn_, nullptr)), gate_(std::exchange(other.gate_, nullptr)) {}
  Txn& operator=(Txn&& other) noexcept {
    if (this != &other) {
      release();
      txn_ = std::exchange(other.txn_, nullptr);
      gate_ = std::exchange(other.gate_, nullptr);
    }
    return *this;
  }
  // Commits; the transaction is gone afterwards even if the commit fails (then it throws).
  void commit() {
    MDB_txn* t = std::exchange(txn_, nullptr);
    const int rc = mdb_txn_commit(t);
    release();
    check(rc, "commit");
  }
  MDB_txn* get() const noexcept { return txn_; }

  // The value at `key` (pointing into the map, valid in this transaction); nullopt if none.
  std::optional<std::string_view> find(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = codec::val(key), v;
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    check(rc, "read");
    return codec::view(v);
  }
  void put(MDB_dbi dbi, std::string_view key, std::string_view value) {
    MDB_val k = codec::val(key), v = codec::val(value);
    check(mdb_put(txn_, dbi, &k, &v, 0), "write");
  }
  // Room for a value of `size` bytes at `key`, to be written before the next change in
  // this transaction (MDB_RESERVE: the value is not built elsewhere and copied in).
  char* put_reserved(MDB_dbi dbi, std::string_view key, size_t size) {
    MDB_val k = codec::val(key), v{size, nullptr};
    check(mdb_put(txn_, dbi, &k, &v, MDB_RESERVE), "write");
    return static_cast<char*>(v.mv_data);
  }
  // Nothing at `key` is no error.
  void del(MDB_dbi dbi, std::string_view key) {
    MDB_val k = codec::val(key);
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "delete");
  }

 private:
  void release() noexcept {
    if (txn_) mdb_txn_abort(std::exchange(txn_, nullptr));
    if (gate_) std::exchange(gate_, nullptr)->leave_shared();
  }
  MDB_txn* txn_ = nullptr;
  ReaderGate* gate_ = nullptr;  // a read transaction's gate, left when it ends
};

// A move-only cursor on one table, closed when destroyed.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) { check(mdb_cursor_open(txn, dbi, &c_), "open cursor"); }
  ~Cursor() {
    if (c_) mdb_cursor_close(c_);
  }
  Cursor(Cursor&& other) noexcept : c_(std::exchange(other.c_, nullptr)) {}
  Cursor& operator=(Cursor&& other) noexcept {
    if (this != &other) {
      if (c_) mdb_cursor_close(c_);
      c_ = std::exchange(other.c_, nullptr);
    }
    return *this;
  }
  MDB_cursor* get() const noexcept { return c_; }

 private:
  MDB_cursor* c_ = nullptr;
};

}  // namespace rdnsd::zonestore
