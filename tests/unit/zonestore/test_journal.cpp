// Unit tests of the IXFR journal (zonestore/write_txn.cpp writes it, zonestore/journal.cpp
// reads it): one entry per serial step of each touched zone, in the write's transaction;
// condensed diffs from an older serial; pruning by depth and size; clearing on apex
// changes and zone removal; the serial each record keeps.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <string>
#include <variant>
#include <vector>

#include "tests/support/raw_read.h"
#include "zonestore/codec/journal_value.h"
#include "zonestore/journal.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

namespace {

using List = std::vector<std::string>;

// A journaled PTR as text: "192.0.2.1 60 a.example.".
std::string rr_text(std::string_view key, uint16_t type, uint32_t ttl, std::string_view rdata) {
  CHECK(type == codec::kTypePtr);
  return names::format_ip(codec::address_of_meta_key(key)) + " " + std::to_string(ttl) + " " +
         names::wire_to_text(rdata);
}

List texts(const std::vector<JournalRr>& rrs) {
  List out;
  for (const JournalRr& rr : rrs) out.push_back(rr_text(rr.key, rr.type, rr.ttl, rr.rdata));
  return out;
}

struct Entry {
  uint64_t seq = 0;
  uint32_t from = 0, to = 0;
  List removed, added;
  size_t size = 0;
};

// The journal entries of the zone `apex` (text), oldest first, read with raw LMDB.
std::vector<Entry> journal_of(const Store& s, std::string_view apex) {
  const std::string akey = key_of(apex);
  ReadTxn rt(s);
  MDB_cursor* cur = nullptr;
  REQUIRE(mdb_cursor_open(rt.txn, s.journal_dbi(), &cur) == 0);
  std::string start = codec::journal_key(akey, 1);
  MDB_val k{start.size(), start.data()}, v;
  std::vector<Entry> out;
  for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    auto seq = codec::journal_seq_of(codec::view(k), akey);
    if (!seq) break;
    codec::JournalEntryView e;
    REQUIRE(codec::decode_journal_entry(codec::view(v), e));
    Entry x;
    x.seq = *seq;
    x.from = e.from_serial;
    x.to = e.to_serial;
    x.size = v.mv_size;
    std::string_view rest = e.rrs;
    for (uint32_t i = 0; i < e.removed + e.added; ++i) {
      codec::JournalRrView rr;
      REQUIRE(codec::next_journal_rr(rest, rr));
      (i < e.removed ? x.removed : x.added).push_back(rr_text(rr.key, rr.type, rr.ttl, rr.rdata));
    }
    CHECK(rest.empty());
    out.push_back(std::move(x));
  }
  mdb_cursor_close(cur);
  return out;
}

// Every key and value of the journal table, to see that a write left it as it was.
std::string raw_journal(const Store& s) {
  ReadTxn rt(s);
  MDB_cursor* cur = nullptr;
  REQUIRE(mdb_cursor_open(rt.txn, s.journal_dbi(), &cur) == 0);
  MDB_val k, v;
  std::string out;
  for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    out += std::string(codec::view(k)) + "=" + std::string(codec::view(v)) + ";";
  mdb_cursor_close(cur);
  return out;
}

// The keys of the zone `apex` in the journal table, its head included.
size_t journal_keys(const Store& s, std::string_view apex) {
  const std::string akey = key_of(apex);
  ReadTxn rt(s);
  MDB_cursor* cur = nullptr;
  REQUIRE(mdb_cursor_open(rt.txn, s.journal_dbi(), &cur) == 0);
  std::string start = codec::journal_key(akey, 0);
  MDB_val k{start.size(), start.data()}, v;
  size_t n = 0;
  for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
       rc == 0 && codec::journal_seq_of(codec::view(k), akey);
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    ++n;
  mdb_cursor_close(cur);
  return n;
}

std::optional<JournalDiff> diff_of(const Store& s, std::string_view apex, uint32_t from) {
  ReadTxn rt(s);
  return journal_diff(rt.txn, s.journal_dbi(), key_of(apex), from);
}

JournalStats stats_of(const Store& s, std::string_view apex) {
  auto st = s.journal_stats(apex);
  REQUIRE(st);
  return *st;
}

// Sets the zone's serial by hand (no journal entry: the chain before it is broken).
void force_serial(const Store& s, std::string_view apex, uint32_t serial) {
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(s.env(), nullptr, 0, &txn) == 0);
  std::string key = key_of(apex);
  MDB_val k{key.size(), key.data()}, v;
  REQUIRE(mdb_get(txn, s.zones_dbi(), &k, &v) == 0);
  Zone z = codec::decode_zone(key, codec::view(v));
  z.serial = serial;
  std::string value = codec::encode_zone(z);
  MDB_val nv{value.size(), value.data()};
  REQUIRE(mdb_put(txn, s.zones_dbi(), &k, &nv, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
}

uint32_t serial_after(const GroupItem& item) {
  const auto* w = std::get_if<WriteResult>(&item);
  REQUIRE(w);
  REQUIRE(w->serials.size() == 1);
  return w->serials[0].serial;
}

// A store with the one zone `s` (made by the config).
struct OneZone {
  TempDir dir{"journal-test"};
  std::unique_ptr<Store> store;
  explicit OneZone(const ZoneSettings& s) {
    store = open_store(dir.path);
    store->reconcile({s}, {}, T0);
  }
};

}  // namespace

TEST_CASE("each write journals one entry per zone it touches, with the RRs it changed") {
  Fixture fx;
  CHECK(journal_of(*fx.store, kV4).empty());  // a new zone starts with an empty journal
  CHECK(stats_of(*fx.store, kV4) == JournalStats{});
  const uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);

  ReadTxn before(*fx.store);
  fx.store->set(set_op("192.0.2.1", "A.example.", 60), T0 + 1);
  ReadTxn after(*fx.store);
  auto j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 1);
  CHECK(j[0].seq == 1);
  CHECK(j[0].from == s4);
  CHECK(j[0].to == s4 + 1);
  CHECK(j[0].removed.empty());
  CHECK(j[0].added == List{"192.0.2.1 60 A.example."});  // the target's case as served
  CHECK(journal_of(*fx.store, kV6).empty());
  // The entry is in the write's own transaction: an older snapshot has neither.
  CHECK_FALSE(journal_diff(before.txn, fx.store->journal_dbi(), key_of(kV4), s4));
  CHECK(journal_diff(after.txn, fx.store->journal_dbi(), key_of(kV4), s4));

  fx.store->set(set_op("192.0.2.1", "b.example."), T0 + 2);  // a replace, default TTL
  fx.store->unset({"192.0.2.1"}, T0 + 3);
  fx.store->set(set_op("192.0.2.2", "c.example."), T0 + 4);
  fx.store->set(set_op("192.0.2.2", "c.example."), T0 + 5);  // the same again: a step, no change
  j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 5);
  for (size_t i = 0; i < j.size(); ++i) {
    CAPTURE(i);
    CHECK(j[i].seq == i + 1);
    CHECK(j[i].from == s4 + i);
    CHECK(j[i].to == s4 + i + 1);
  }
  CHECK(j[1].removed == List{"192.0.2.1 60 A.example."});
  CHECK(j[1].added == List{"192.0.2.1 7200 b.example."});
  CHECK(j[2].removed == List{"192.0.2.1 7200 b.example."});
  CHECK(j[2].added.empty());
  CHECK(j[3].added == List{"192.0.2.2 7200 c.example."});
  CHECK(j[4].removed.empty());
  CHECK(j[4].added.empty());

  // A batch over both zones: one entry in each.
  fx.store->apply({op_set(set_op("2001:db8::1", "six.example.", 300)), op_unset("192.0.2.2"),
                   op_set(set_op("192.0.2.3", "d.example."))},
                  T0 + 6);
  j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 6);
  CHECK(j[5].from == s4 + 5);
  CHECK(j[5].removed == List{"192.0.2.2 7200 c.example."});
  CHECK(j[5].added == List{"192.0.2.3 7200 d.example."});
  auto j6 = journal_of(*fx.store, kV6);
  REQUIRE(j6.size() == 1);
  CHECK(j6[0].from == s6);
  CHECK(j6[0].to == s6 + 1);
  CHECK(j6[0].added == List{"2001:db8::1 300 six.example."});

  JournalStats st = stats_of(*fx.store, kV4);
  CHECK(st.entries == 6);
  CHECK(st.first_serial == s4);
  CHECK(st.last_serial == serial_of(*fx.store, kV4));
  size_t bytes = 0;
  for (const Entry& e : j) bytes += e.size;
  CHECK(st.bytes == bytes);
  {
    ReadTxn rt(*fx.store);
    CHECK(journal_stats(rt.txn, fx.store->journal_dbi(), key_of(kV4)) == st);
    CHECK(journal_stats(rt.txn, fx.store->journal_dbi(), key_of("3.0.192.in-addr.arpa.")) ==
          JournalStats{});
  }
  CHECK_FALSE(fx.store->journal_stats("198.51.100.0/24"));
  CHECK(stats_of(*fx.store, "2001:db8::/32").entries == 1);
}

TEST_CASE("a record changed several times in one write is in its entry once") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "x.example."), T0);
  const uint32_t s4 = serial_of(*fx.store, kV4);
  SUBCASE("set three times: the last state") {
    fx.store->apply(
        {op_set(set_op("192.0.2.5", "a.example.")), op_set(set_op("192.0.2.5", "b.example.", 5)),
         op_set(set_op("192.0.2.5", "c.example.", 6))},
        T0 + 1);
    auto j = journal_of(*fx.store, kV4);
    REQUIRE(j.size() == 2);
    CHECK(j[1].removed.empty());
    CHECK(j[1].added == List{"192.0.2.5 6 c.example."});
  }
  SUBCASE("changed and changed back, set and unset: nothing") {
    fx.store->apply({op_set(set_op("192.0.2.1", "y.example.")), op_unset("192.0.2.1"),
                     op_set(set_op("192.0.2.1", "x.example.")),
                     op_set(set_op("192.0.2.9", "tmp.example.")), op_unset("192.0.2.9")},
                    T0 + 1);
    auto j = journal_of(*fx.store, kV4);
    REQUIRE(j.size() == 2);
    CHECK(j[1].from == s4);
    CHECK(j[1].to == s4 + 1);
    CHECK(j[1].removed.empty());
    CHECK(j[1].added.empty());
  }
  SUBCASE("replaced and unset: the state before the step is removed") {
    fx.store->apply({op_set(set_op("192.0.2.1", "y.example.")), op_unset("192.0.2.1")}, T0 + 1);
    auto j = journal_of(*fx.store, kV4);
    REQUIRE(j.size() == 2);
    CHECK(j[1].removed == List{"192.0.2.1 7200 x.example."});
    CHECK(j[1].added.empty());
  }
}

TEST_CASE("a large batch's entry is sorted by key, whether written in address order or not") {
  std::vector<Op> ops;
  for (int i = 255; i >= 2; --i)
    ops.push_back(op_set(set_op("192.0.2." + std::to_string(i), "h.example.")));
  ops.push_back(op_set(set_op("192.0.2.1", "z.example.")));  // a replace
  for (int i = 2; i <= 10; ++i)                              // and again, later in the batch
    ops.push_back(op_set(set_op("192.0.2." + std::to_string(i), "again.example.", 9)));
  for (bool keep_records : {false, true}) {  // without records: in address order
    CAPTURE(keep_records);
    Fixture fx;
    fx.store->set(set_op("192.0.2.1", "x.example."), T0);
    fx.store->apply(ops, T0 + 1, {}, false, keep_records);
    auto j = journal_of(*fx.store, kV4);
    REQUIRE(j.size() == 2);
    const Entry& e = j.back();
    CHECK(e.to == serial_of(*fx.store, kV4));
    CHECK(e.removed == List{"192.0.2.1 7200 x.example."});
    REQUIRE(e.added.size() == 255);
    CHECK(e.added[0] == "192.0.2.1 7200 z.example.");
    CHECK(e.added[1] == "192.0.2.2 9 again.example.");
    CHECK(e.added[9] == "192.0.2.10 9 again.example.");
    CHECK(e.added[10] == "192.0.2.11 7200 h.example.");
    CHECK(e.added[254] == "192.0.2.255 7200 h.example.");
  }
}

TEST_CASE("journal_diff condenses the steps from an older serial to the newest") {
  Fixture fx;
  const uint32_t s0 = serial_of(*fx.store, kV4);
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 1);       // s0+1
  fx.store->set(set_op("192.0.2.2", "b.example."), T0 + 2);       // s0+2
  fx.store->set(set_op("192.0.2.1", "a2.example.", 60), T0 + 3);  // s0+3
  fx.store->unset({"192.0.2.2"}, T0 + 4);                         // s0+4
  fx.store->set(set_op("192.0.2.3", "c.example."), T0 + 5);       // s0+5
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 6);       // s0+6: as at s0+1
  const uint32_t now = serial_of(*fx.store, kV4);
  REQUIRE(now == s0 + 6);

  struct Want {
    uint32_t from;
    List removed, added;
  };
  const std::vector<Want> wants = {
      {s0, {}, {"192.0.2.1 7200 a.example.", "192.0.2.3 7200 c.example."}},
      {s0 + 1, {}, {"192.0.2.3 7200 c.example."}},
      {s0 + 2, {"192.0.2.2 7200 b.example."}, {"192.0.2.3 7200 c.example."}},
      {s0 + 3,
       {"192.0.2.1 60 a2.example.", "192.0.2.2 7200 b.example."},
       {"192.0.2.1 7200 a.example.", "192.0.2.3 7200 c.example."}},
      {s0 + 4,
       {"192.0.2.1 60 a2.example."},
       {"192.0.2.1 7200 a.example.", "192.0.2.3 7200 c.example."}},
      {s0 + 5, {"192.0.2.1 60 a2.example."}, {"192.0.2.1 7200 a.example."}},
  };
  for (const Want& w : wants) {
    CAPTURE(w.from - s0);
    auto d = diff_of(*fx.store, kV4, w.from);
    REQUIRE(d);
    CHECK(d->from_serial == w.from);
    CHECK(d->to_serial == now);
    CHECK(texts(d->removed) == w.removed);
    CHECK(texts(d->added) == w.added);
  }
  // The current serial, one never seen, one ahead: no entry starts there.
  CHECK_FALSE(diff_of(*fx.store, kV4, now));
  CHECK_FALSE(diff_of(*fx.store, kV4, s0 - 1));
  CHECK_FALSE(diff_of(*fx.store, kV4, now + 1));
  CHECK_FALSE(diff_of(*fx.store, kV4, 12345));
  CHECK_FALSE(diff_of(*fx.store, kV6, serial_of(*fx.store, kV6)));  // an empty journal
  CHECK_FALSE(diff_of(*fx.store, "3.0.192.in-addr.arpa.", s0));     // no such zone

  // Changes that cancel out still give a diff: the client needs the new serial.
  fx.store->set(set_op("192.0.2.9", "tmp.example."), T0 + 7);
  fx.store->unset({"192.0.2.9"}, T0 + 8);
  auto d = diff_of(*fx.store, kV4, now);
  REQUIRE(d);
  CHECK(d->from_serial == now);
  CHECK(d->to_serial == now + 2);
  CHECK(d->removed.empty());
  CHECK(d->added.empty());
}

TEST_CASE("a diff needs an unbroken chain of entries") {
  Fixture fx;
  const uint32_t s0 = serial_of(*fx.store, kV4);
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 1);
  fx.store->set(set_op("192.0.2.2", "b.example."), T0 + 2);
  fx.store->set(set_op("192.0.2.3", "c.example."), T0 + 3);
  REQUIRE(diff_of(*fx.store, kV4, s0));
  const std::string akey = key_of(kV4);
  auto edit = [&](uint64_t seq, auto&& change) {
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(fx.store->env(), nullptr, 0, &txn) == 0);
    std::string key = codec::journal_key(akey, seq);
    MDB_val k{key.size(), key.data()}, v;
    REQUIRE(mdb_get(txn, fx.store->journal_dbi(), &k, &v) == 0);
    std::string value(codec::view(v));
    if (change(value)) {
      MDB_val nv{value.size(), value.data()};
      REQUIRE(mdb_put(txn, fx.store->journal_dbi(), &k, &nv, 0) == 0);
    } else {
      REQUIRE(mdb_del(txn, fx.store->journal_dbi(), &k, nullptr) == 0);
    }
    REQUIRE(mdb_txn_commit(txn) == 0);
  };
  SUBCASE("an entry that does not start where the one before it ended") {
    edit(2, [](std::string& v) {
      v[3] = char(v[3] + 7);  // its from serial
      return true;
    });
    CHECK_FALSE(diff_of(*fx.store, kV4, s0));
    CHECK_FALSE(diff_of(*fx.store, kV4, s0 + 1));
    CHECK(diff_of(*fx.store, kV4, s0 + 2));  // the part after the break still chains
  }
  SUBCASE("an entry missing in the middle") {
    edit(2, [](std::string&) { return false; });
    CHECK_FALSE(diff_of(*fx.store, kV4, s0));
    CHECK_FALSE(diff_of(*fx.store, kV4, s0 + 2));
  }
  SUBCASE("a malformed entry") {
    edit(3, [](std::string& v) {
      v.pop_back();
      return true;
    });
    CHECK_FALSE(diff_of(*fx.store, kV4, s0));
  }
}

TEST_CASE("the journal is pruned to its depth, oldest first, and a pruned serial has no diff") {
  ZoneSettings zs = zone_settings("192.0.2.0/24");
  zs.journal_max_depth = 3;
  OneZone fx(zs);
  const uint32_t s0 = serial_of(*fx.store, kV4);
  for (int i = 1; i <= 5; ++i)
    fx.store->set(set_op("192.0.2." + std::to_string(i), "h.example."), T0 + i);
  auto j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 3);
  CHECK(j[0].seq == 3);  // sequence numbers go on
  CHECK(j[0].from == s0 + 2);
  CHECK(j[2].seq == 5);
  CHECK(j[2].to == s0 + 5);
  CHECK_FALSE(diff_of(*fx.store, kV4, s0));
  CHECK_FALSE(diff_of(*fx.store, kV4, s0 + 1));
  auto d = diff_of(*fx.store, kV4, s0 + 2);
  REQUIRE(d);
  CHECK(texts(d->added) == List{"192.0.2.3 7200 h.example.", "192.0.2.4 7200 h.example.",
                                "192.0.2.5 7200 h.example."});
  JournalStats st = stats_of(*fx.store, kV4);
  CHECK(st.entries == 3);
  CHECK(st.first_serial == s0 + 2);
  CHECK(st.last_serial == s0 + 5);
  CHECK(st.bytes == j[0].size + j[1].size + j[2].size);
  // apply_each prunes in each of its steps.
  std::vector<Op> ops;
  for (int i = 6; i <= 10; ++i)
    ops.push_back(op_set(set_op("192.0.2." + std::to_string(i), "h.example.")));
  fx.store->apply_each(ops, T0 + 10);
  j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 3);
  CHECK(j[0].seq == 8);
  CHECK(j[0].from == s0 + 7);
  CHECK(stats_of(*fx.store, kV4).entries == 3);
}

TEST_CASE("the journal is pruned to its size, and a step larger than the limit empties it") {
  // Each single set below makes a 42-byte entry: 16 fixed + 1 + 5 (key) + 2 + 4 + 2 + 12
  // ("hN.example." in wire form).
  ZoneSettings zs = zone_settings("192.0.2.0/24");
  zs.journal_max_size = 100;
  OneZone fx(zs);
  const uint32_t s0 = serial_of(*fx.store, kV4);
  fx.store->set(set_op("192.0.2.1", "h1.example."), T0 + 1);
  REQUIRE(journal_of(*fx.store, kV4).at(0).size == 42);
  fx.store->set(set_op("192.0.2.2", "h2.example."), T0 + 2);
  CHECK(stats_of(*fx.store, kV4).bytes == 84);
  fx.store->set(set_op("192.0.2.3", "h3.example."), T0 + 3);
  auto j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 2);
  CHECK(j[0].from == s0 + 1);
  CHECK(stats_of(*fx.store, kV4).bytes == 84);
  CHECK_FALSE(diff_of(*fx.store, kV4, s0));
  CHECK(diff_of(*fx.store, kV4, s0 + 1));

  // A batch whose entry alone is over the limit: no IXFR from before it can be served,
  // so the journal is emptied and the entry not written.
  std::vector<Op> big;
  for (int i = 10; i < 15; ++i)
    big.push_back(op_set(set_op("192.0.2." + std::to_string(i), "h1.example.")));
  fx.store->apply(big, T0 + 4);
  const uint32_t s4 = serial_of(*fx.store, kV4);
  CHECK(journal_of(*fx.store, kV4).empty());
  CHECK(stats_of(*fx.store, kV4) == JournalStats{});
  CHECK_FALSE(diff_of(*fx.store, kV4, s0 + 3));
  // The next step starts the journal again, with the next sequence number.
  fx.store->set(set_op("192.0.2.4", "h4.example."), T0 + 5);
  j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 1);
  CHECK(j[0].seq == 4);
  CHECK(j[0].from == s4);
  auto d = diff_of(*fx.store, kV4, s4);
  REQUIRE(d);
  CHECK(texts(d->added) == List{"192.0.2.4 7200 h4.example."});
}

TEST_CASE("a zone with a journal depth of 0 keeps no journal") {
  ZoneSettings zs = zone_settings("192.0.2.0/24");
  zs.journal_max_depth = 0;
  OneZone fx(zs);
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 1);
  fx.store->apply({op_set(set_op("192.0.2.2", "b.example.")), op_unset("192.0.2.1")}, T0 + 2);
  fx.store->apply_each({op_set(set_op("192.0.2.3", "c.example."))}, T0 + 3);
  CHECK(entries(*fx.store, "journal") == 0);
  CHECK(stats_of(*fx.store, kV4) == JournalStats{});
  CHECK(fx.store->get("192.0.2.3")->serial == serial_of(*fx.store, kV4));
}

TEST_CASE("apply_each: each op journals its own step, a refused op leaves no entry") {
  Fixture fx;
  const uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
  std::vector<Op> ops = {
      op_set(set_op("192.0.2.1", "one.example.")),    // 0: s4+1
      op_set(set_op("192.0.2.300", "bad.example.")),  // 1: bad_address
      op_set(set_op("2001:db8::2", "two.example.")),  // 2: s6+1
      op_set(set_op("192.0.2.2", "two.example.")),    // 3: s4+2
      op_unset("192.0.2.7"),                          // 4: not_found
      op_set(set_op("192.0.2.1", "uno.example.")),    // 5: s4+3
  };
  std::vector<GroupItem> items = fx.store->apply_each(ops, T0 + 1);
  REQUIRE(items.size() == ops.size());
  CHECK(std::holds_alternative<StoreError>(items[1]));
  CHECK(std::holds_alternative<StoreError>(items[4]));
  CHECK(serial_after(items[5]) == s4 + 3);
  auto j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(j[i].seq == i + 1);
    CHECK(j[i].from == s4 + i);
    CHECK(j[i].to == s4 + i + 1);
  }
  CHECK(j[0].added == List{"192.0.2.1 7200 one.example."});
  CHECK(j[1].added == List{"192.0.2.2 7200 two.example."});
  CHECK(j[2].removed == List{"192.0.2.1 7200 one.example."});
  CHECK(j[2].added == List{"192.0.2.1 7200 uno.example."});
  auto j6 = journal_of(*fx.store, kV6);
  REQUIRE(j6.size() == 1);
  CHECK(j6[0].from == s6);
  CHECK(j6[0].added == List{"2001:db8::2 7200 two.example."});
  auto d = diff_of(*fx.store, kV4, s4);
  REQUIRE(d);
  CHECK(texts(d->added) == List{"192.0.2.1 7200 uno.example.", "192.0.2.2 7200 two.example."});
  CHECK(d->to_serial == s4 + 3);
}

TEST_CASE("a refused, failed or dry-run write leaves the journal as it was") {
  ZoneSettings v4 = zone_settings("192.0.2.0/24", 2);  // room for 2 records
  OneZone fx(v4);
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 1);
  const std::string before = raw_journal(*fx.store);
  REQUIRE(!before.empty());
  CHECK(error_code([&] { fx.store->set(set_op("192.0.2.2", "bad_name"), T0 + 2); }) == "bad_name");
  CHECK(error_code([&] { fx.store->unset({"192.0.2.2"}, T0 + 2); }) == "not_found");
  CHECK(
      error_code([&] {
        fx.store->apply({op_set(set_op("192.0.2.3", "c.example.")), op_unset("192.0.2.9")}, T0 + 2);
      }) == "not_found");
  WriteResult dry = fx.store->apply({op_set(set_op("192.0.2.3", "c.example."))}, T0 + 2, {}, true);
  CHECK(dry.serials.size() == 1);
  CHECK(error_code([&] {
          fx.store->apply({op_set(set_op("192.0.2.3", "c.example.")),
                           op_set(set_op("192.0.2.4", "d.example."))},
                          T0 + 2);
        }) == "quota_exceeded");
  // Large batches in address order, refused, tried again as given, refused again.
  std::vector<Op> ops;
  for (int i = 0; i < 300; ++i)
    ops.push_back(op_set(set_op("192.0.2." + std::to_string(i % 256), "h.example.")));
  CHECK(error_code([&] { fx.store->apply(ops, T0 + 2, {}, false, false); }) == "quota_exceeded");
  ops.resize(1);
  for (int i = 0; i < 300; ++i) ops.push_back(op_set(set_op("192.0.2.1", "h.example.")));
  ops.push_back(op_set(set_op("192.0.3.1", "outside.example.")));
  CHECK(error_code([&] { fx.store->apply(ops, T0 + 2, {}, false, false); }) == "not_in_zone");
  std::vector<GroupItem> items =
      fx.store->apply_each({op_unset("192.0.2.8"), op_set(set_op("x", "y.example."))}, T0 + 2);
  CHECK(std::holds_alternative<StoreError>(items[0]));
  CHECK(std::holds_alternative<StoreError>(items[1]));
  CHECK(raw_journal(*fx.store) == before);
}

TEST_CASE("remove_zone deletes the zone's journal, and a zone added again starts with none") {
  Fixture fx;
  const std::string v4net = "100.51.198.in-addr.arpa.";
  fx.store->add_zone(zone_settings("198.51.100.0/24"), T0);
  CHECK(journal_keys(*fx.store, v4net) == 0);
  fx.store->set(set_op("198.51.100.1", "a.example."), T0 + 1);
  fx.store->set(set_op("198.51.100.2", "b.example."), T0 + 2);
  fx.store->set(set_op("192.0.2.1", "keep.example."), T0 + 3);
  CHECK(journal_keys(*fx.store, v4net) == 3);  // the head and two entries
  const auto kept = journal_of(*fx.store, kV4);
  REQUIRE(kept.size() == 1);

  CHECK(fx.store->remove_zone("198.51.100.0/24", true) == 2);
  CHECK(journal_keys(*fx.store, v4net) == 0);
  CHECK(journal_of(*fx.store, kV4).size() == 1);  // another zone's journal stays
  CHECK(entries(*fx.store, "journal") == 2);

  Zone again = fx.store->add_zone(zone_settings("198.51.100.0/24"), T0 + 4);
  CHECK(stats_of(*fx.store, v4net) == JournalStats{});
  CHECK_FALSE(diff_of(*fx.store, v4net, again.serial));
  fx.store->set(set_op("198.51.100.3", "c.example."), T0 + 5);
  auto j = journal_of(*fx.store, v4net);
  REQUIRE(j.size() == 1);
  CHECK(j[0].from == again.serial);
  CHECK(j[0].added == List{"198.51.100.3 7200 c.example."});
}

TEST_CASE("reconcile: a changed SOA or NS set clears the journal, other settings keep it") {
  Fixture fx;
  const uint32_t s0 = serial_of(*fx.store, kV4);
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 1);
  fx.store->set(set_op("192.0.2.2", "b.example."), T0 + 2);
  ZoneSettings v4 = zone_settings("192.0.2.0/24");
  const ZoneSettings v6 = zone_settings("2001:db8::/32");

  // Unchanged, unserved and served again: no serial step, the journal as it was.
  const std::string raw = raw_journal(*fx.store);
  fx.store->reconcile({v4, v6}, {}, T0 + 3);
  fx.store->reconcile({v6}, {}, T0 + 3);
  fx.store->reconcile({v4, v6}, {}, T0 + 3);
  CHECK(raw_journal(*fx.store) == raw);
  CHECK(serial_of(*fx.store, kV4) == s0 + 2);

  // The default TTL of new records is no part of the zone's data: the step is an entry
  // without records, and transfers from before it are still incremental.
  v4.default_ttl = 600;
  CHECK(fx.store->reconcile({v4, v6}, {}, T0 + 4).updated == List{kV4});
  auto j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 3);
  CHECK(j[2].from == s0 + 2);
  CHECK(j[2].to == s0 + 3);
  CHECK(j[2].removed.empty());
  CHECK(j[2].added.empty());
  auto d = diff_of(*fx.store, kV4, s0);
  REQUIRE(d);
  CHECK(d->to_serial == s0 + 3);
  CHECK(d->added.size() == 2);
  // A lower depth applies at once.
  v4.journal_max_depth = 2;
  fx.store->reconcile({v4, v6}, {}, T0 + 5);
  CHECK(journal_of(*fx.store, kV4).size() == 2);
  CHECK(journal_of(*fx.store, kV4).back().to == s0 + 4);

  SUBCASE("the SOA") {
    v4.soa.refresh = 1234;
    fx.store->reconcile({v4, v6}, {}, T0 + 6);
  }
  SUBCASE("the SOA and NS TTL") {
    v4.soa.ttl = 99;
    fx.store->reconcile({v4, v6}, {}, T0 + 6);
  }
  SUBCASE("the NS set") {
    v4.ns = {"ns1.example.net.", "ns3.example.net."};
    fx.store->reconcile({v4, v6}, {}, T0 + 6);
  }
  const uint32_t s5 = serial_of(*fx.store, kV4);
  CHECK(s5 == s0 + 5);
  CHECK(journal_of(*fx.store, kV4).empty());
  CHECK(stats_of(*fx.store, kV4) == JournalStats{});
  for (uint32_t from = s0; from <= s5; ++from) CHECK_FALSE(diff_of(*fx.store, kV4, from));
  // The next write starts the journal again.
  fx.store->set(set_op("192.0.2.3", "c.example."), T0 + 7);
  j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 1);
  CHECK(j[0].seq == 5);  // after the entries 1-4, pruned or cleared
  CHECK(j[0].from == s5);
  CHECK(journal_of(*fx.store, kV6).empty());
}

TEST_CASE("the journal chains across the serial's wrap-around (RFC 1982)") {
  Fixture fx;
  force_serial(*fx.store, kV4, 0xfffffffe);
  Record a = fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 1).records.at(0);
  Record b = fx.store->set(set_op("192.0.2.2", "b.example."), T0 + 2).records.at(0);
  Record c = fx.store->set(set_op("192.0.2.3", "c.example."), T0 + 3).records.at(0);
  CHECK(a.serial == 0xffffffff);
  CHECK(b.serial == 0);
  CHECK(c.serial == 1);
  CHECK(serial_of(*fx.store, kV4) == 1);
  auto j = journal_of(*fx.store, kV4);
  REQUIRE(j.size() == 3);
  CHECK(j[0].from == 0xfffffffe);
  CHECK(j[1].from == 0xffffffff);
  CHECK(j[1].to == 0);
  CHECK(j[2].to == 1);
  for (uint32_t from : {0xfffffffeu, 0xffffffffu, 0u}) {
    CAPTURE(from);
    auto d = diff_of(*fx.store, kV4, from);
    REQUIRE(d);
    CHECK(d->to_serial == 1);
  }
  CHECK(texts(diff_of(*fx.store, kV4, 0xfffffffe)->added) == List{"192.0.2.1 7200 a.example.",
                                                                  "192.0.2.2 7200 b.example.",
                                                                  "192.0.2.3 7200 c.example."});
  JournalStats st = stats_of(*fx.store, kV4);
  CHECK(st.first_serial == 0xfffffffe);
  CHECK(st.last_serial == 1);
}

TEST_CASE("each record keeps the serial of the write that last changed it") {
  TempDir dir;
  auto s = open_store(dir.path);
  // Seeds belong to the zone's first serial.
  s->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")},
               {{{"192.0.2.250", "seed.example."}}}, T0);
  const uint32_t s0 = serial_of(*s, kV4);
  CHECK(s->get("192.0.2.250")->serial == s0);

  WriteResult w = s->set(set_op("192.0.2.1", "a.example."), T0 + 1);
  CHECK(w.records.at(0).serial == w.serials.at(0).serial);
  CHECK(w.records[0].serial == serial_of(*s, kV4));
  CHECK(s->get("192.0.2.1")->serial == s0 + 1);
  CHECK(s->get_by_id(w.records[0].id)->serial == s0 + 1);

  w = s->apply({op_set(set_op("192.0.2.2", "b.example.")), op_set(set_op("2001:db8::2", "b6.")),
                op_set(set_op("192.0.2.1", "a2.example."))},
               T0 + 2);
  for (const Record& r : w.records) {
    CAPTURE(r.address);
    CHECK(r.serial == serial_of(*s, r.zone));
    CHECK(s->get(names::format_ip(r.address))->serial == r.serial);
  }
  CHECK(s->get("192.0.2.250")->serial == s0);  // untouched: its own serial

  std::vector<GroupItem> items = s->apply_each(
      {op_set(set_op("192.0.2.3", "c.example.")), op_set(set_op("192.0.2.4", "d.example."))},
      T0 + 3);
  for (const GroupItem& item : items) {
    const WriteResult& r = std::get<WriteResult>(item);
    CHECK(r.records.at(0).serial == r.serials.at(0).serial);
    CHECK(s->get(names::format_ip(r.records[0].address))->serial == r.serials[0].serial);
  }
  CHECK(s->get("192.0.2.4")->serial == serial_of(*s, kV4));
  CHECK(s->get("192.0.2.3")->serial == serial_of(*s, kV4) - 1);

  // The date policy steps to the day's serial: the records keep that one.
  ZoneSettings dated = zone_settings("198.51.100.0/24");
  dated.policy = serial::Policy::DateSerial;
  s->add_zone(dated, T0);
  w = s->set(set_op("198.51.100.1", "e.example."), T0 + 86400);
  CHECK(w.serials.at(0).serial == 2023111500u);
  CHECK(s->get("198.51.100.1")->serial == 2023111500u);

  ListFilter f;
  f.zone = kV4;
  for (const Record& r : s->list(f).records) CHECK(r.serial != 0);
  auto reader = s->read_zone(kV4);
  Record r;
  while (reader->next(r)) CHECK(r.serial == s->get(names::format_ip(r.address))->serial);
}
