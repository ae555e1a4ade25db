// Tests of the UPDATE parser (RFC 2136): every section rule, what rdnsd takes and
// refuses, and messages that lie (counts, lengths, compression loops, a TSIG not last).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "server/tsig/tsig.h"
#include "server/update/plan.h"
#include "zonestore/names/names.h"

using namespace rdnsd;
using namespace rdnsd::update;

namespace {

constexpr uint16_t kIn = 1, kNone = 254, kAny = 255;
constexpr const char* kZone = "2.0.192.in-addr.arpa.";

// An UPDATE message written section by section; counts are set as RRs are added (or
// forced, to make them lie).
struct Msg {
  std::vector<uint8_t> b = std::vector<uint8_t>(12, 0);
  Msg() {
    b[0] = 0x12;
    b[1] = 0x34;
    b[2] = uint8_t(5 << 3);
  }
  void u16(uint16_t v) {
    b.push_back(uint8_t(v >> 8));
    b.push_back(uint8_t(v));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  void name(const std::string& text) {
    auto w = names::text_to_wire(text);
    REQUIRE(w);
    b.insert(b.end(), w->begin(), w->end());
  }
  void count(int section, uint16_t n) {
    b[4 + 2 * section] = uint8_t(n >> 8);
    b[5 + 2 * section] = uint8_t(n);
  }
  void bump(int section) {
    const uint16_t n = uint16_t(b[4 + 2 * section] << 8 | b[5 + 2 * section]);
    count(section, uint16_t(n + 1));
  }
  Msg& zone(const std::string& apex = kZone, uint16_t type = 6, uint16_t cls = kIn) {
    name(apex);
    u16(type);
    u16(cls);
    bump(0);
    return *this;
  }
  // An RR whose RDATA is a name (empty: no RDATA).
  Msg& rr(int section, const std::string& owner, uint16_t type, uint16_t cls, uint32_t ttl,
          const std::string& target = "") {
    name(owner);
    u16(type);
    u16(cls);
    u32(ttl);
    if (target.empty()) {
      u16(0);
    } else {
      auto w = names::text_to_wire(target);
      REQUIRE(w);
      u16(uint16_t(w->size()));
      b.insert(b.end(), w->begin(), w->end());
    }
    bump(section);
    return *this;
  }
  Msg& pre(const std::string& owner, uint16_t type, uint16_t cls, const std::string& t = "") {
    return rr(1, owner, type, cls, 0, t);
  }
  Msg& upd(const std::string& owner, uint16_t type, uint16_t cls, uint32_t ttl,
           const std::string& t = "") {
    return rr(2, owner, type, cls, ttl, t);
  }
  // An RR whose RDATA is `rdata` as it is (a DHCID's).
  Msg& raw(int section, const std::string& owner, uint16_t type, uint16_t cls, uint32_t ttl,
           const std::string& rdata) {
    name(owner);
    u16(type);
    u16(cls);
    u32(ttl);
    u16(uint16_t(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
    bump(section);
    return *this;
  }
  Parsed parse() const { return update::parse(b.data(), b.size()); }
};

const std::string kOwner = "5.2.0.192.in-addr.arpa.";

}  // namespace

TEST_CASE("is_update: opcode 5 and QR clear only") {
  Msg m;
  m.zone();
  CHECK(is_update(m.b.data(), m.b.size()));
  CHECK_FALSE(is_update(m.b.data(), 11));
  m.b[2] |= 0x80;
  CHECK_FALSE(is_update(m.b.data(), m.b.size()));
  m.b[2] = 0;
  CHECK_FALSE(is_update(m.b.data(), m.b.size()));
}

TEST_CASE("a message with the four kinds of update and every prerequisite") {
  Msg m;
  m.zone("2.0.192.IN-ADDR.ARPA.");
  m.pre(kOwner, 255, kAny)                         // name in use
      .pre("6.2.0.192.in-addr.arpa.", 255, kNone)  // name not in use
      .pre(kOwner, 12, kAny)                       // RRset exists
      .pre(kOwner, 12, kNone)                      // RRset does not exist
      .pre(kOwner, 12, kIn, "a.example.")          // RRset is exactly {a, b}
      .pre(kOwner, 12, kIn, "B.example.")
      .pre(kOwner, 12, kIn, "a.example.")  // a duplicate: one value
      .pre(kZone, 6, kAny);                // the apex
  m.upd("5.2.0.192.IN-ADDR.ARPA.", 12, kIn, 300, "Host.Example.")
      .upd(kOwner, 12, kAny, 0)
      .upd(kOwner, 255, kAny, 0)
      .upd(kOwner, 12, kNone, 0, "old.example.");
  const Parsed p = m.parse();
  INFO(p.reason);
  REQUIRE(p.rcode == Rcode::NoError);
  CHECK(p.plan.zone == kZone);
  CHECK(p.zone_end == 12 + 22 + 4);
  using K = Prerequisite::Kind;
  REQUIRE(p.plan.prerequisites.size() == 6);
  CHECK(p.plan.prerequisites[0].kind == K::NameInUse);
  CHECK(p.plan.prerequisites[0].owner.address == names::parse_ip("192.0.2.5"));
  CHECK(p.plan.prerequisites[1].kind == K::NameNotInUse);
  CHECK(p.plan.prerequisites[2].kind == K::RrsetExists);
  CHECK(p.plan.prerequisites[2].type == 12);
  CHECK(p.plan.prerequisites[3].kind == K::RrsetAbsent);
  CHECK(p.plan.prerequisites[4].kind == K::RrsetEquals);
  CHECK(p.plan.prerequisites[4].values == std::vector<std::string>{"a.example.", "b.example."});
  CHECK(p.plan.prerequisites[5].owner.apex);
  CHECK_FALSE(p.plan.prerequisites[5].owner.address);
  using U = Update::Kind;
  REQUIRE(p.plan.updates.size() == 4);
  CHECK(p.plan.updates[0].kind == U::Add);
  CHECK(p.plan.updates[0].owner == kOwner);  // lower case
  CHECK(p.plan.updates[0].address == *names::parse_ip("192.0.2.5"));
  CHECK(p.plan.updates[0].ttl == 300);
  CHECK(p.plan.updates[0].target == "Host.Example.");  // as sent
  CHECK(p.plan.updates[1].kind == U::DeleteRrset);
  CHECK(p.plan.updates[2].kind == U::DeleteName);
  CHECK(p.plan.updates[3].kind == U::DeleteRr);
  CHECK(p.plan.updates[3].target == "old.example.");
}

TEST_CASE("IPv6 owners in upper case are full addresses") {
  const std::string owner =
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.";
  Msg m;
  m.zone("8.B.D.0.1.0.0.2.ip6.arpa.");
  m.upd(owner, 12, kIn, 60, "six.example.");
  const Parsed p = m.parse();
  REQUIRE(p.rcode == Rcode::NoError);
  CHECK(p.plan.zone == "8.b.d.0.1.0.0.2.ip6.arpa.");
  REQUIRE(p.plan.updates.size() == 1);
  CHECK(p.plan.updates[0].address == *names::parse_ip("2001:db8::1"));
}

TEST_CASE("zone section: exactly one SOA RR, class IN, a reverse zone") {
  CHECK(Msg().parse().rcode == Rcode::FormErr);  // none
  Msg two;
  two.zone().zone();
  CHECK(two.parse().rcode == Rcode::FormErr);
  Msg ns;
  ns.zone(kZone, 2);
  CHECK(ns.parse().rcode == Rcode::FormErr);
  Msg chaos;
  chaos.zone(kZone, 6, 3);
  CHECK(chaos.parse().rcode == Rcode::NotAuth);
  Msg forward;
  forward.zone("example.net.");
  CHECK(forward.parse().rcode == Rcode::NotAuth);
  Msg ok;
  ok.zone();
  CHECK(ok.parse().rcode == Rcode::NoError);  // no prerequisite, no update: fine
}

TEST_CASE("prerequisite format: TTL 0, no RDATA for ANY/NONE, known classes, inside the zone") {
  auto rcode = [](auto&& build) {
    Msg m;
    m.zone();
    build(m);
    return m.parse().rcode;
  };
  CHECK(rcode([](Msg& m) { m.rr(1, kOwner, 12, kAny, 5); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.pre(kOwner, 12, kAny, "x.example."); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.pre(kOwner, 12, kNone, "x.example."); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.pre(kOwner, 12, 3); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.pre(kOwner, 252, kAny); }) == Rcode::FormErr);  // AXFR
  CHECK(rcode([](Msg& m) { m.pre(kOwner, 255, kIn, "x.example."); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.pre("5.2.0.193.in-addr.arpa.", 255, kAny); }) == Rcode::NotZone);
  CHECK(rcode([](Msg& m) { m.pre("0.192.in-addr.arpa.", 255, kAny); }) == Rcode::NotZone);
  CHECK(rcode([](Msg& m) { m.pre(kZone, 2, kIn, "ns1.example.net."); }) == Rcode::Refused);
  // A name that is no address may be a prerequisite (it simply holds nothing).
  CHECK(rcode([](Msg& m) { m.pre("www.2.0.192.in-addr.arpa.", 255, kNone); }) == Rcode::NoError);
}

TEST_CASE("update format: classes, meta types, TTL and RDATA of deletes, inside the zone") {
  auto rcode = [](auto&& build) {
    Msg m;
    m.zone();
    build(m);
    return m.parse().rcode;
  };
  CHECK(rcode([](Msg& m) { m.upd("5.2.0.193.in-addr.arpa.", 12, kIn, 60, "a.example."); }) ==
        Rcode::NotZone);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 255, kIn, 60, "a.example."); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 252, kAny, 0); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 12, kAny, 60); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 12, kAny, 0, "a.example."); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 12, kNone, 60, "a.example."); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 255, kNone, 0); }) == Rcode::FormErr);
  CHECK(rcode([](Msg& m) { m.upd(kOwner, 12, 3, 60, "a.example."); }) == Rcode::FormErr);
}

TEST_CASE("what rdnsd does not take is REFUSED, with the reason") {
  auto parsed = [](auto&& build) {
    Msg m;
    m.zone();
    build(m);
    return m.parse();
  };
  Parsed ns = parsed([](Msg& m) { m.upd(kZone, 2, kIn, 60, "ns3.example.net."); });
  CHECK(ns.rcode == Rcode::Refused);
  CHECK(ns.reason.find("not a full /32 or /128 address") != std::string::npos);
  Parsed cname = parsed([](Msg& m) { m.upd(kOwner, 5, kIn, 60, "a.example."); });
  CHECK(cname.rcode == Rcode::Refused);
  CHECK(cname.reason.find("CNAME: rdnsd takes PTR and DHCID records only") != std::string::npos);
  CHECK(parsed([](Msg& m) { m.upd(kZone, 6, kAny, 0); }).rcode == Rcode::Refused);
  CHECK(parsed([](Msg& m) { m.upd("2.0.192.in-addr.arpa.", 255, kAny, 0); }).rcode ==
        Rcode::Refused);
  CHECK(parsed([](Msg& m) {
          m.upd("x.5.2.0.192.in-addr.arpa.", 12, kIn, 60, "a.example.");
        }).rcode == Rcode::Refused);
  CHECK(parsed([](Msg& m) { m.upd(kOwner, 12, kIn, 60, "bad_name.example."); }).rcode ==
        Rcode::Refused);
  CHECK(parsed([](Msg& m) { m.upd(kOwner, 12, kIn, 0x80000000u, "a.example."); }).rcode ==
        Rcode::Refused);
  // A PTR add and an NS add: the whole message is refused, nothing is planned.
  Parsed mixed = parsed([](Msg& m) {
    m.upd(kOwner, 12, kIn, 60, "a.example.");
    m.upd(kZone, 2, kIn, 60, "ns3.example.net.");
  });
  CHECK(mixed.rcode == Rcode::Refused);
  // A format error anywhere wins over a refusal before it.
  CHECK(parsed([](Msg& m) {
          m.upd(kOwner, 5, kIn, 60, "a.example.");
          m.upd(kOwner, 12, kAny, 60);
        }).rcode == Rcode::FormErr);
}

TEST_CASE("messages that lie: counts, lengths, trailing bytes, truncation") {
  Msg m;
  m.zone();
  m.upd(kOwner, 12, kIn, 60, "a.example.");
  REQUIRE(m.parse().rcode == Rcode::NoError);
  for (size_t cut = 0; cut < m.b.size(); ++cut) {
    CAPTURE(cut);
    CHECK(update::parse(m.b.data(), cut).rcode == Rcode::FormErr);
  }
  for (int section = 1; section < 4; ++section) {
    Msg more = m;
    more.count(section, 0xFFFF);
    CHECK(more.parse().rcode == Rcode::FormErr);
  }
  Msg fewer = m;
  fewer.count(2, 0);
  CHECK(fewer.parse().rcode == Rcode::FormErr);  // the RR is left over
  Msg trailing = m;
  trailing.b.push_back(0);
  CHECK(trailing.parse().rcode == Rcode::FormErr);
  Msg rdlen = m;
  rdlen.b[rdlen.b.size() - 12] = 1;  // RDLENGTH's high octet: past the end
  CHECK(rdlen.parse().rcode == Rcode::FormErr);
  CHECK(update::parse(nullptr, 0).rcode == Rcode::FormErr);
}

TEST_CASE("compression: backward pointers work, loops and forward pointers do not") {
  Msg m;
  m.zone();
  // Owner "5" + pointer to the zone name at offset 12.
  m.b.insert(m.b.end(), {1, '5', 0xC0, 12});
  m.u16(12);
  m.u16(kIn);
  m.u32(60);
  m.u16(2);
  m.b.insert(m.b.end(), {0xC0, 12});  // the target: the zone's name itself
  m.bump(2);
  Parsed p = m.parse();
  // A PTR target of "2.0.192.in-addr.arpa." is a host name, so this is taken.
  REQUIRE(p.rcode == Rcode::NoError);
  REQUIRE(p.plan.updates.size() == 1);
  CHECK(p.plan.updates[0].owner == kOwner);

  Msg loop;
  loop.zone();
  const size_t at = loop.b.size();
  loop.b.insert(loop.b.end(), {0xC0, uint8_t(at)});  // points at itself
  loop.u16(12);
  loop.u16(kAny);
  loop.u32(0);
  loop.u16(0);
  loop.bump(2);
  CHECK(loop.parse().rcode == Rcode::FormErr);

  Msg forward;
  forward.zone();
  const size_t here = forward.b.size();
  forward.b.insert(forward.b.end(), {0xC0, uint8_t(here + 2), 0});
  forward.u16(12);
  forward.u16(kAny);
  forward.u32(0);
  forward.u16(0);
  forward.bump(2);
  CHECK(forward.parse().rcode == Rcode::FormErr);

  // Two pointers that point at each other.
  Msg pair;
  pair.zone();
  const size_t a = pair.b.size();
  pair.b.insert(pair.b.end(), {1, 'x', 0xC0, uint8_t(a + 4), 1, 'y', 0xC0, uint8_t(a)});
  pair.u16(12);
  pair.u16(kAny);
  pair.u32(0);
  pair.u16(0);
  pair.bump(2);
  CHECK(pair.parse().rcode == Rcode::FormErr);
}

TEST_CASE("a TSIG must be the last RR, and a signed message parses without it") {
  const tsig::Key key = tsig::make_key("ddns-key.", tsig::Algorithm::HmacSha256, "secret");
  Msg m;
  m.zone();
  m.upd(kOwner, 12, kIn, 60, "a.example.");
  std::vector<uint8_t> buf = m.b;
  buf.resize(buf.size() + 512);
  tsig::SignSpec spec;
  spec.key = &key;
  spec.time_signed = 1700000000;
  const size_t n = tsig::sign(buf.data(), m.b.size(), buf.size(), spec);
  REQUIRE(n > m.b.size());
  const Parsed signed_ok = update::parse(buf.data(), n);
  INFO(signed_ok.reason);
  CHECK(signed_ok.rcode == Rcode::NoError);
  CHECK(signed_ok.plan.updates.size() == 1);

  // An additional RR after the TSIG.
  std::vector<uint8_t> after(buf.begin(), buf.begin() + ptrdiff_t(n));
  for (uint8_t x : {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}) after.push_back(x);  // root A IN
  after[11] = uint8_t(after[11] + 1);
  CHECK(update::parse(after.data(), after.size()).rcode == Rcode::FormErr);
}

TEST_CASE("write_answer: ID, QR, opcode, RD, RCODE and the zone echoed as sent") {
  Msg m;
  m.zone("2.0.192.IN-ADDR.arpa.");
  m.b[2] |= 0x01;  // RD
  m.upd(kOwner, 12, kIn, 60, "a.example.");
  const Parsed p = m.parse();
  uint8_t out[512];
  const size_t n = write_answer(m.b.data(), p.zone_end, Rcode::NxRrset, out, sizeof out);
  REQUIRE(n == p.zone_end);
  CHECK(out[0] == 0x12);
  CHECK(out[1] == 0x34);
  CHECK(out[2] == (0x80 | 5 << 3 | 0x01));
  CHECK(out[3] == 8);
  CHECK(out[5] == 1);
  CHECK(out[7] == 0);
  CHECK(std::string(out + 12, out + n) ==
        std::string(m.b.begin() + 12, m.b.begin() + ptrdiff_t(n)));
  CHECK(write_answer(m.b.data(), p.zone_end, Rcode::NoError, out, 20) == 0);
  CHECK(write_answer(m.b.data(), 0, Rcode::FormErr, out, sizeof out) == 12);
  CHECK(rcode_name(Rcode::NotZone) == std::string("NOTZONE"));
  CHECK(rcode_from_name("YXRRSET") == Rcode::YxRrset);
  CHECK_FALSE(rcode_from_name("BOGUS"));
}

TEST_CASE("DHCID: adds, deletes and prerequisites with the RDATA as sent, and bad sizes") {
  const std::string dhcid = std::string("\x00\x02\x01", 3) + std::string(32, '\x5a');
  Msg m;
  m.zone();
  m.raw(1, kOwner, 49, kIn, 0, dhcid)  // the DHCID RRset is exactly this
      .upd(kOwner, 12, kAny, 0)
      .upd(kOwner, 49, kAny, 0)
      .upd(kOwner, 12, kIn, 900, "host.example.com.")
      .raw(2, kOwner, 49, kIn, 900, dhcid)
      .raw(2, kOwner, 49, kNone, 0, dhcid);
  Parsed p = m.parse();
  INFO(p.reason);
  REQUIRE(p.rcode == Rcode::NoError);
  REQUIRE(p.plan.prerequisites.size() == 1);
  CHECK(p.plan.prerequisites[0].kind == Prerequisite::Kind::RrsetEquals);
  CHECK(p.plan.prerequisites[0].type == 49);
  CHECK(p.plan.prerequisites[0].values == std::vector<std::string>{dhcid});
  REQUIRE(p.plan.updates.size() == 5);
  CHECK(p.plan.updates[1].kind == Update::Kind::DeleteRrset);
  CHECK(p.plan.updates[1].type == 49);
  CHECK(p.plan.updates[3].kind == Update::Kind::Add);
  CHECK(p.plan.updates[3].type == 49);
  CHECK(p.plan.updates[3].ttl == 900);
  CHECK(p.plan.updates[3].rdata == dhcid);
  CHECK(p.plan.updates[4].kind == Update::Kind::DeleteRr);
  CHECK(p.plan.updates[4].rdata == dhcid);

  auto rcode = [](const std::string& rdata, uint16_t cls, uint32_t ttl) {
    Msg x;
    x.zone();
    x.raw(2, kOwner, 49, cls, ttl, rdata);
    return x.parse();
  };
  Parsed short_add = rcode("\x00\x02", kIn, 60);
  CHECK(short_add.rcode == Rcode::FormErr);
  CHECK(short_add.reason.find("under 3") != std::string::npos);
  CHECK(rcode("", kNone, 0).rcode == Rcode::FormErr);
  Parsed long_add = rcode(std::string(1025, 'x'), kIn, 60);
  CHECK(long_add.rcode == Rcode::Refused);
  CHECK(long_add.reason.find("over 1024") != std::string::npos);
  CHECK(rcode(dhcid, kIn, 0x80000000u).rcode == Rcode::Refused);
  CHECK(rcode(std::string(1024, 'x'), kIn, 60).rcode == Rcode::NoError);
}
