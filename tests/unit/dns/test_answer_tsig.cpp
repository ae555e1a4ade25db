// TSIG-signed queries (RFC 8945) through the answer core: queries ldns signs are
// answered and signed (ldns verifies the answers), every error answer is the one RFC
// 8945 5.2 and 5.3.2 ask for, and a signed query is never answered unsigned.
#include <doctest/doctest.h>

#include "tests/support/answer_fixture.h"
#include "tests/support/tsig_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;
namespace ts = rdnsd::tsig;
namespace tt = rdnsd::tsig::testing;

namespace {

// The standard data set with every key of tt::all_keys() and a clock `offset` seconds
// off the wall clock (ldns signs with the wall clock).
struct SignedFixture : Fixture {
  int64_t offset = 0;
  SignedFixture() {
    config.keys = std::make_shared<const ts::Keyring>(tt::all_keys());
    config.clock = [this] { return static_cast<uint64_t>(tt::wall_clock() + offset); };
  }
};

tt::Bytes signed_by_ldns(const QueryBuilder& b, ts::Algorithm a = ts::Algorithm::HmacSha256,
                         std::string key_name = "") {
  if (key_name.empty()) key_name = tt::key_name_for(a);
  const tt::Bytes signed_query = tt::sign_ldns(b.build(), key_name, a);
  REQUIRE(!signed_query.empty());
  return signed_query;
}

// The answer's TSIG, as locate() reads it.
ts::Located tsig_of(const Reply& r) {
  return ts::locate(r.bytes.data(), r.bytes.size());
}

bool answer_verifies(const Reply& r, const tt::Bytes& query, std::string_view key_name) {
  return tt::verify_ldns(r.bytes, key_name, tt::tsig_mac_of(query));
}

}  // namespace

TEST_CASE("a signed query is answered as usual, and the answer signed with its MAC") {
  SignedFixture f;
  for (ts::Algorithm a : tt::kLdnsAlgorithms) {
    for (Transport t : {Transport::Udp, Transport::Tcp}) {
      CAPTURE(tt::ldns_name_of(a));
      CAPTURE(t == Transport::Udp ? "udp" : "tcp");
      const tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa."), a);
      Reply r = f.ask_raw(query, t);
      REQUIRE(r.parsed());
      CHECK(r.rcode() == LDNS_RCODE_NOERROR);
      CHECK(r.aa());
      REQUIRE(r.an() == 1);
      CHECK(r.answer(0) == "2.2.0.192.in-addr.arpa. 86400 IN PTR mail.example.com.");
      CHECK(r.ar() == 1);
      const ts::Located tsig = tsig_of(r);
      REQUIRE(tsig.last());
      CHECK(tsig.error == 0);
      CHECK(tsig.mac_len == ts::mac_size(a));
      CHECK(tsig.original_id == r.id());
      CHECK(answer_verifies(r, query, tt::key_name_for(a)));
      // The records are the unsigned answer's: the TSIG is only appended.
      Reply plain = f.ask(q("2.2.0.192.in-addr.arpa."), t);
      CHECK(std::equal(plain.bytes.begin() + 12, plain.bytes.end(), r.bytes.begin() + 12));
    }
  }
}

TEST_CASE("named's SOA refresh query over UDP, signed with EDNS: the OPT, then the TSIG") {
  SignedFixture f;
  const tt::Bytes query = signed_by_ldns(q("2.0.192.in-addr.arpa.", kSoa).with_edns());
  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NOERROR);
  REQUIRE(r.an() == 1);
  CHECK(r.has_opt());
  CHECK(r.ar() == 2);
  CHECK(tsig_of(r).last());
  CHECK(answer_verifies(r, query, "k-sha256."));
  // The clock hook gives Time Signed.
  f.offset = 12345;
  r = f.ask_raw(signed_by_ldns(q("2.0.192.in-addr.arpa.", kSoa)));
  const uint64_t now = tt::wall_clock() + 12345;
  CHECK(r.rcode() == LDNS_RCODE_NOTAUTH);  // far off: BADTIME, with our time signed in
  const ts::Located t = tsig_of(r);
  REQUIRE(t.other_len == 6);
  uint64_t theirs = 0;
  for (size_t i = 0; i < 6; ++i) theirs = theirs << 8 | t.other[i];
  CHECK(theirs + 2 >= now);
  CHECK(theirs <= now + 2);
}

TEST_CASE("unknown key: NOTAUTH with an unsigned BADKEY TSIG, never an unsigned NOERROR") {
  SignedFixture f;
  const tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa.").with_edns(),
                                         ts::Algorithm::HmacSha256, "no-such-key.");
  auto check_badkey = [&](Transport t) {
    Reply r = f.ask_raw(query, t);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_NOTAUTH);
    CHECK_FALSE(r.aa());
    CHECK(r.qd() == 1);
    CHECK(question_echoed(r, query));
    CHECK(r.an() == 0);
    CHECK(r.ns() == 0);
    CHECK(r.has_opt());
    const ts::Located tsig = tsig_of(r);
    REQUIRE(tsig.last());
    CHECK(tsig.error == ts::error::kBadKey);
    CHECK(tsig.mac_len == 0);
    CHECK(tt::Bytes(tsig.key_name, tsig.key_name + tsig.key_name_len) ==
          tt::wire_name("no-such-key."));
    CHECK_FALSE(answer_verifies(r, query, "no-such-key."));
  };
  check_badkey(Transport::Udp);
  check_badkey(Transport::Tcp);
  // With no keys configured at all, or an empty keyring, the same.
  f.config.keys = nullptr;
  check_badkey(Transport::Udp);
  f.config.keys = std::make_shared<const ts::Keyring>();
  check_badkey(Transport::Udp);
  // A known key name with another algorithm than the key's is BADKEY too.
  f.config.keys = std::make_shared<const ts::Keyring>(tt::all_keys());
  const tt::Bytes sha1_as_256 =
      signed_by_ldns(q("2.2.0.192.in-addr.arpa."), ts::Algorithm::HmacSha1, "k-sha256.");
  Reply r = f.ask_raw(sha1_as_256);
  CHECK(r.rcode() == LDNS_RCODE_NOTAUTH);
  CHECK(tsig_of(r).error == ts::error::kBadKey);
}

TEST_CASE("a bad MAC: NOTAUTH with an unsigned BADSIG TSIG") {
  SignedFixture f;
  tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa."));
  const ts::Located t = ts::locate(query.data(), query.size());
  query[static_cast<size_t>(t.mac - query.data()) + 3] ^= 0x40;
  for (Transport tr : {Transport::Udp, Transport::Tcp}) {
    Reply r = f.ask_raw(query, tr);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_NOTAUTH);
    CHECK(r.an() == 0);
    const ts::Located tsig = tsig_of(r);
    REQUIRE(tsig.last());
    CHECK(tsig.error == ts::error::kBadSig);
    CHECK(tsig.mac_len == 0);
  }
}

TEST_CASE("a time far off: NOTAUTH with a signed BADTIME TSIG carrying our time") {
  SignedFixture f;
  const tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa."));
  const uint64_t signed_at = ts::locate(query.data(), query.size()).time_signed;
  f.offset = 301;
  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NOTAUTH);
  CHECK(r.an() == 0);
  const ts::Located tsig = tsig_of(r);
  REQUIRE(tsig.last());
  CHECK(tsig.error == ts::error::kBadTime);
  CHECK(tsig.mac_len == 32);
  CHECK(tsig.time_signed == signed_at);  // the request's, so that the client can check
  CHECK(tsig.other_len == 6);
  CHECK(answer_verifies(r, query, "k-sha256."));
  // 299 s off is within the fudge of 300.
  f.offset = -299;
  CHECK(f.ask_raw(signed_by_ldns(q("2.2.0.192.in-addr.arpa."))).rcode() == LDNS_RCODE_NOERROR);
}

TEST_CASE("a truncated MAC: NOTAUTH with a signed BADTRUNC, too short: FORMERR") {
  SignedFixture f;
  const tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa."));
  Reply r = f.ask_raw(tt::truncate_mac(query, 16));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NOTAUTH);
  const ts::Located tsig = tsig_of(r);
  REQUIRE(tsig.last());
  CHECK(tsig.error == ts::error::kBadTrunc);
  CHECK(tsig.mac_len == 32);
  r = f.ask_raw(tt::truncate_mac(query, 15));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  CHECK(r.ar() == 0);
}

TEST_CASE("a TSIG that is not the last record: FORMERR, unsigned") {
  SignedFixture f;
  tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa."));
  tt::add_rr(query, 10, kA, {192, 0, 2, 1});
  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  CHECK(r.ar() == 0);
  CHECK(tsig_of(r).found == ts::Found::None);
  // Cut inside the TSIG RR: FORMERR as well.
  tt::Bytes cut = signed_by_ldns(q("2.2.0.192.in-addr.arpa."));
  cut.resize(cut.size() - 3);
  r = f.ask_raw(cut);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  CHECK(r.ar() == 0);
}

TEST_CASE("a truncated UDP answer is still signed, within the UDP limit") {
  SignedFixture f;
  // 40 long NS names do not fit 512 octets.
  const tt::Bytes query = signed_by_ldns(q("100.51.198.in-addr.arpa.", kNs).with_edns(512));
  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.tc());
  CHECK(r.an() == 0);
  CHECK(r.bytes.size() <= 512);
  CHECK(r.has_opt());
  CHECK(tsig_of(r).last());
  CHECK(answer_verifies(r, query, "k-sha256."));
  // With the longest key and no EDNS, 512 still holds it.
  const tt::Bytes sha512 =
      signed_by_ldns(q("100.51.198.in-addr.arpa.", kNs), ts::Algorithm::HmacSha512);
  r = f.ask_raw(sha512);
  CHECK(r.tc());
  CHECK(r.bytes.size() <= 512);
  CHECK(answer_verifies(r, sha512, "k-sha512."));
  // Over TCP it all fits, signed.
  r = f.ask_raw(query, Transport::Tcp);
  CHECK_FALSE(r.tc());
  CHECK(r.an() == 40);
  CHECK(answer_verifies(r, query, "k-sha256."));
}

TEST_CASE("signed NOTIMP, BADVERS, CHAOS, REFUSED and transfer answers are signed too") {
  SignedFixture f;
  QueryBuilder notify = q("2.0.192.in-addr.arpa.", kSoa);
  notify.opcode = 4;
  QueryBuilder badvers = q("2.2.0.192.in-addr.arpa.").with_edns();
  badvers.version = 1;
  struct Case {
    const char* what;
    QueryBuilder b;
    uint8_t rcode;
    uint16_t an;
  };
  const Case cases[] = {
      {"NOTIFY", notify, LDNS_RCODE_NOTIMPL, 0},
      {"BADVERS", badvers, 0, 0},  // the extended RCODE is in the OPT
      {"CHAOS", q("version.bind.", kTxt).cls(kClassCh), LDNS_RCODE_NOERROR, 1},
      {"outside", q("example.com.", kA), LDNS_RCODE_REFUSED, 0},
      {"AXFR over UDP", q("2.0.192.in-addr.arpa.", kAxfr), LDNS_RCODE_NOTIMPL, 0},
      {"IXFR over UDP", q("2.0.192.in-addr.arpa.", kIxfr), LDNS_RCODE_NOERROR, 1},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const tt::Bytes query = signed_by_ldns(c.b);
    Reply r = f.ask_raw(query);
    REQUIRE(!r.empty());
    CHECK(r.rcode() == c.rcode);
    CHECK(r.an() == c.an);
    CHECK(tsig_of(r).last());
    CHECK(tt::verify_ldns(r.bytes, "k-sha256.", tt::tsig_mac_of(query)));
  }
}

TEST_CASE("an answer buffer without room for the question and the TSIG: dropped") {
  SignedFixture f;
  const tt::Bytes query = signed_by_ldns(q("2.2.0.192.in-addr.arpa."));
  const size_t question_end = 12 + 24 + 4;
  const size_t tsig = ts::signed_size(ts::make_key("k-sha256.", ts::Algorithm::HmacSha256, ""));
  CHECK(f.ask_raw(query, Transport::Udp, question_end + tsig - 1).empty());
  Reply r = f.ask_raw(query, Transport::Udp, question_end + tsig);
  REQUIRE(r.parsed());
  CHECK(r.tc());
  CHECK(answer_verifies(r, query, "k-sha256."));
}
