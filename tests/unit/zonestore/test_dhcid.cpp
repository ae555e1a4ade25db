// Unit tests of the DHCID RRs kept beside PTRs (the `dhcid` table, written only by
// WriteTxn): set with a DHCID, kept or dropped on replace, gone with unset and zone
// removal, bad input refused with nothing written, and every change in the journal.
#include <doctest/doctest.h>

#include <string>

#include "tests/support/raw_read.h"
#include "zonestore/codec/dhcid_value.h"
#include "zonestore/journal.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

namespace {

std::string rdata(char fill) {
  return std::string("\x00\x01\x01", 3) + std::string(32, fill);
}

SetOp with_dhcid(std::string address, std::string target, Dhcid d) {
  SetOp op = set_op(std::move(address), std::move(target), 600);
  op.dhcid = std::move(d);
  return op;
}

struct DhcidFixture : Fixture {
  uint32_t serial() const { return serial_of(*store, kV4); }
  // The journal's condensed difference of the v4 zone since `from`, as "TYPE ttl" words.
  std::string diff_since(uint32_t from) const {
    ReadTxn rt(*store);
    auto d = journal_diff(rt.txn, store->journal_dbi(), key_of(kV4), from);
    REQUIRE(d);
    std::string out;
    for (const JournalRr& rr : d->removed)
      out += "-" + std::to_string(rr.type) + "/" + std::to_string(rr.ttl) + " ";
    for (const JournalRr& rr : d->added)
      out += "+" + std::to_string(rr.type) + "/" + std::to_string(rr.ttl) + " ";
    return out;
  }
};

}  // namespace

TEST_CASE("a set with a DHCID stores both, a set without one keeps it, drop_dhcid removes it") {
  DhcidFixture f;
  const uint32_t s0 = f.serial();
  WriteResult w = f.store->set(with_dhcid("192.0.2.7", "h7.example.", {300, rdata('a')}), T0);
  REQUIRE(w.records.size() == 1);
  REQUIRE(w.records[0].dhcid);
  CHECK(w.records[0].dhcid->rdata == rdata('a'));
  CHECK(f.diff_since(s0) == "+12/600 +49/300 ");
  auto r = f.store->get("192.0.2.7");
  REQUIRE(r->dhcid);
  CHECK(*r->dhcid == Dhcid{300, rdata('a')});
  // A plain set (rdnsctl set) replaces the PTR and keeps the DHCID.
  const uint32_t s1 = f.serial();
  f.store->set(set_op("192.0.2.7", "renamed.example.", 600), T0 + 1);
  r = f.store->get("192.0.2.7");
  CHECK(r->target == "renamed.example.");
  REQUIRE(r->dhcid);
  CHECK(f.diff_since(s1) == "-12/600 +12/600 ");
  // The list, the lookup by id and the export show it too.
  CHECK(f.store->get_by_id(r->id)->dhcid == r->dhcid);
  ListFilter lf;
  CHECK(f.store->list(lf).records.at(0).dhcid == r->dhcid);
  auto reader = f.store->read_zone("192.0.2.0/24");
  Record e;
  REQUIRE(reader->next(e));
  CHECK(e.dhcid == r->dhcid);
  reader.reset();
  // Dropped: the PTR stays.
  const uint32_t s2 = f.serial();
  SetOp drop = set_op("192.0.2.7", "renamed.example.", 600);
  drop.drop_dhcid = true;
  f.store->set(drop, T0 + 2);
  r = f.store->get("192.0.2.7");
  CHECK(r->target == "renamed.example.");
  CHECK_FALSE(r->dhcid);
  CHECK(f.diff_since(s2) == "-49/300 ");
  CHECK(entries(*f.store, "dhcid") == 0);
}

TEST_CASE("unset and zone removal take the DHCID with the PTR") {
  DhcidFixture f;
  f.store->set(with_dhcid("192.0.2.8", "h8.example.", {300, rdata('b')}), T0);
  f.store->set(with_dhcid("192.0.2.9", "h9.example.", {300, rdata('c')}), T0);
  f.store->set(with_dhcid("2001:db8::9", "h9.example.", {300, rdata('d')}), T0);
  CHECK(entries(*f.store, "dhcid") == 3);
  const uint32_t s0 = f.serial();
  f.store->unset({"192.0.2.8", "alice"}, T0 + 1);
  CHECK(entries(*f.store, "dhcid") == 2);
  CHECK(f.diff_since(s0) == "-12/600 -49/300 ");
  f.store->remove_zone("192.0.2.0/24", true);
  CHECK(entries(*f.store, "dhcid") == 1);
  CHECK(f.store->get("2001:db8::9")->dhcid);
}

TEST_CASE("a bad DHCID is refused and nothing is written") {
  DhcidFixture f;
  f.store->set(set_op("192.0.2.10", "h10.example."), T0);
  const std::string before = dump(*f.store);
  for (const Dhcid& bad :
       {Dhcid{300, "ab"}, Dhcid{300, std::string(1025, 'x')}, Dhcid{0x80000000u, rdata('e')}}) {
    try {
      f.store->set(with_dhcid("192.0.2.10", "h10.example.", bad), T0 + 1);
      FAIL("accepted");
    } catch (const StoreError& e) {
      CHECK(e.code() == "bad_dhcid");
    }
  }
  // In a batch: the whole batch fails at that op.
  std::vector<Op> ops{op_set(set_op("192.0.2.11", "h11.example.")),
                      op_set(with_dhcid("192.0.2.12", "h12.example.", {1, "x"}))};
  CHECK_THROWS_AS(f.store->apply(ops, T0 + 1), BatchError);
  CHECK(dump(*f.store) == before);
}
