// Unit tests of the stored values' codecs (zonestore/codec/): each value round-trips
// through its codec with named fields, the zone flags have names, a malformed value is
// refused, and the record keys sort as LMDB's default compare does.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "tests/support/store_fixture.h"
#include "zonestore/codec/info_value.h"
#include "zonestore/codec/journal_value.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/meta_value.h"
#include "zonestore/codec/ptr_value.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

namespace {

Zone sample_zone() {
  Zone z;
  z.apex = kV4;
  z.settings = zone_settings("192.0.2.0/24", 500);
  z.settings.soa.ttl = 1800;
  z.settings.soa.refresh = 7000;
  z.settings.soa.retry = 700;
  z.settings.soa.expire = 900000;
  z.settings.soa.minimum = 120;
  z.settings.policy = serial::Policy::UnixTime;
  z.settings.fcrdns = fcrdns::Mode::Require;
  z.serial = 2024010203;
  z.served = false;
  z.origin = ZoneOrigin::Admin;
  z.record_count = 42;
  return z;
}

}  // namespace

TEST_CASE("the zone value round-trips through its codec, its fields where the table says") {
  const Zone z = sample_zone();
  const std::string value = codec::encode_zone(z);
  REQUIRE(value.size() > codec::kZoneFixed);
  CHECK(codec::get_be(value, codec::kZoneSerialAt, 4) == 2024010203);
  CHECK(codec::get_be(value, codec::kZoneSoaTtlAt, 4) == 1800);
  CHECK(codec::get_be(value, codec::kZoneDefaultTtlAt, 4) == 7200);
  CHECK(uint8_t(value[codec::kZonePolicyAt]) == uint8_t(serial::Policy::UnixTime));
  CHECK(uint8_t(value[codec::kZoneFamilyAt]) == 4);
  CHECK(uint8_t(value[codec::kZoneLengthAt]) == 24);
  CHECK(value.substr(codec::kZonePrefixAt, 4) == "\xc0\x00\x02\x00"s);
  CHECK(codec::get_be(value, codec::kZoneMaxRecordsAt, 8) == 500);
  CHECK(codec::get_be(value, codec::kZoneRecordCountAt, 8) == 42);

  Zone back = codec::decode_zone(key_of(kV4), value);
  CHECK(back.apex == z.apex);
  CHECK(back.serial == z.serial);
  CHECK(back.served == z.served);
  CHECK(back.origin == z.origin);
  CHECK(back.record_count == z.record_count);
  CHECK(back.settings == z.settings);
  CHECK(codec::encode_zone(back) == value);

  codec::ZoneWire w;
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.serial == z.serial);
  CHECK(w.minimum == 120);
  CHECK(w.ns_count == 2);
  CHECK(names::wire_to_text(w.mname) == "ns1.example.net.");
  CHECK(names::wire_to_text(w.rname) == "hostmaster.example.net.");
}

TEST_CASE("the zone flags have names: served, origin admin, FCrDNS mode") {
  using codec::ZoneFlags;
  CHECK(ZoneFlags::kServed == 0x01);
  CHECK(ZoneFlags::kOriginAdmin == 0x02);
  CHECK(ZoneFlags::kFcrdnsMask == 0x0c);
  for (bool served : {false, true})
    for (ZoneOrigin origin : {ZoneOrigin::Config, ZoneOrigin::Admin})
      for (fcrdns::Mode mode : {fcrdns::Mode::Off, fcrdns::Mode::Warn, fcrdns::Mode::Require}) {
        ZoneFlags f = ZoneFlags::make(served, origin, mode);
        CAPTURE(int(f.bits()));
        CHECK(f.served() == served);
        CHECK(f.origin() == origin);
        CHECK(f.fcrdns_bits() == uint8_t(mode));
        CHECK((f.bits() & 0xf0) == 0);  // bits 4-7 stay zero
        // The byte is the one the layout table gives (the format of schema 2).
        CHECK(f.bits() ==
              ((served ? 1 : 0) | (origin == ZoneOrigin::Admin ? 2 : 0) | uint8_t(mode) << 2));
        Zone z = sample_zone();
        z.served = served;
        z.origin = origin;
        z.settings.fcrdns = mode;
        CHECK(uint8_t(codec::encode_zone(z)[codec::kZoneFlagsAt]) == f.bits());
        codec::ZoneWire w;
        REQUIRE(codec::decode_zone_wire(codec::encode_zone(z), w));
        CHECK(w.flags.bits() == f.bits());
      }
  // A mode of 3 is no fcrdns::Mode: the zone is corrupt.
  std::string value = codec::encode_zone(sample_zone());
  value[codec::kZoneFlagsAt] = char(ZoneFlags::kServed | ZoneFlags::kFcrdnsMask);
  CHECK(ZoneFlags(uint8_t(value[codec::kZoneFlagsAt])).fcrdns_bits() == 3);
  CHECK(error_code([&] { codec::decode_zone(key_of(kV4), value); }) == "internal");
}

TEST_CASE("a truncated or overlong zone value is refused") {
  const std::string value = codec::encode_zone(sample_zone());
  // A schema 2 value (no limits), one from before the NS TTL and one from before the
  // synthesis are shorter, and good.
  const size_t ns_size = value.size() - codec::kZoneSynthFixed;
  const size_t v3_size = ns_size - codec::kZoneNsTtlSize;
  const size_t v2_size = v3_size - codec::kZoneTrailer;
  codec::ZoneWire w;
  for (size_t n = 0; n < value.size(); ++n) {
    CAPTURE(n);
    CHECK(codec::decode_zone_wire(std::string_view(value).substr(0, n), w) ==
          (n == v2_size || n == v3_size || n == ns_size));
  }
  CHECK_FALSE(codec::decode_zone_wire(value + "x", w));
  CHECK(error_code([&] { codec::decode_zone(key_of(kV4), value.substr(0, 40)); }) == "internal");
}

TEST_CASE(
    "the zone value keeps the journal limits after the names, and a schema 2 value reads "
    "with the defaults") {
  Zone z = sample_zone();
  z.settings.journal_max_depth = 7;
  z.settings.journal_max_size = (1ull << 40) + 3;
  const std::string value = codec::encode_zone(z);
  codec::ZoneWire w;
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.trailer.size() == codec::kZoneTrailer + codec::kZoneNsTtlSize + codec::kZoneSynthFixed);
  CHECK(w.trailer.data() == w.ns_block.data() + w.ns_block.size());
  CHECK(codec::get_be(w.trailer, 0, 8) == 7);
  CHECK(codec::get_be(w.trailer, 8, 8) == (1ull << 40) + 3);
  Zone back = codec::decode_zone(key_of(kV4), value);
  CHECK(back.settings == z.settings);

  // The same zone as schema 2 stored it: the names end the value.
  const std::string v2 = value.substr(
      0, value.size() - codec::kZoneTrailer - codec::kZoneNsTtlSize - codec::kZoneSynthFixed);
  REQUIRE(codec::decode_zone_wire(v2, w));
  CHECK(w.trailer.empty());
  CHECK(w.ns_count == 2);
  back = codec::decode_zone(key_of(kV4), v2);
  CHECK(back.settings.journal_max_depth == 1000);
  CHECK(back.settings.journal_max_size == 100ull << 20);
  Zone expected = z;
  expected.settings.journal_max_depth = ZoneSettings().journal_max_depth;
  expected.settings.journal_max_size = ZoneSettings().journal_max_size;
  CHECK(back.settings == expected.settings);
  CHECK(back.serial == z.serial);
  // Settings that differ only in a journal limit are different settings.
  CHECK_FALSE(expected.settings == z.settings);
}

TEST_CASE("the ptr value round-trips: TTL then the target's wire form") {
  auto wire = names::text_to_wire("Host.Example.");
  REQUIRE(wire);
  const std::string value = codec::encode_ptr_value(3600, *wire);
  CHECK(value.size() == 4 + wire->size());
  CHECK(value.substr(0, 4) == "\0\0\x0e\x10"s);
  codec::PtrValue p;
  REQUIRE(codec::decode_ptr_value(value, p));
  CHECK(p.ttl == 3600);
  CHECK(p.target == *wire);
  CHECK(p.target.data() == value.data() + codec::kPtrTargetAt);  // a view, no copy
  CHECK(names::wire_to_text(p.target) == "Host.Example.");
  static_assert(noexcept(codec::decode_ptr_value(std::string_view(), p)));
}

TEST_CASE("a ptr value too short for a TTL and a target is refused") {
  codec::PtrValue p{7, "keep"};
  for (std::string_view v : {""s, "\0"s, "\0\0\0\x3c"s}) {
    CAPTURE(v.size());
    CHECK_FALSE(codec::decode_ptr_value(v, p));
    CHECK(p.ttl == 7);  // untouched
    CHECK(p.target == "keep");
  }
  const std::string root = "\0\0\0\x3c\0"s;  // the root name: 5 bytes
  REQUIRE(codec::decode_ptr_value(root, p));
  CHECK(p.ttl == 60);
  CHECK(p.target == "\0"s);
}

TEST_CASE("the meta value round-trips with its named fields") {
  codec::Meta m;
  m.id = std::string(16, '\x07');
  m.created = -5;
  m.modified = 1700000123;
  m.ttl = 86400;
  m.target = "host.example.";
  m.description = "rack 4, \xc3\xa9t\xc3\xa9";
  m.created_by = "alice";
  m.modified_by = "bob";
  m.serial = 4242;
  const std::string value = codec::encode_meta(m);
  CHECK(value.substr(codec::kMetaIdAt, codec::kMetaIdSize) == m.id);
  CHECK(codec::get_be(value, codec::kMetaTtlAt, 4) == 86400);
  CHECK(codec::get_be(value, codec::kMetaStringsAt, 2) == m.target.size());
  codec::Meta back = codec::decode_meta(value);
  CHECK(back.id == m.id);
  CHECK(back.created == m.created);
  CHECK(back.modified == m.modified);
  CHECK(back.ttl == m.ttl);
  CHECK(back.target == m.target);
  CHECK(back.description == m.description);
  CHECK(back.created_by == m.created_by);
  CHECK(back.modified_by == m.modified_by);
  CHECK(back.serial == m.serial);
  CHECK(codec::encode_meta(back) == value);
  // A schema 2 value ends after the strings; anything but 4 bytes of serial after them is
  // corrupt.
  const size_t v2_size = value.size() - 4;
  for (size_t n : {size_t(0), size_t(35), size_t(37), v2_size - 1, v2_size + 1, v2_size + 3}) {
    CAPTURE(n);
    CHECK(error_code([&] { codec::decode_meta(value.substr(0, n)); }) == "internal");
  }
  CHECK(error_code([&] { codec::decode_meta(value + "x"); }) == "internal");
  CHECK(codec::decode_meta(value.substr(0, v2_size)).target == m.target);
}

TEST_CASE("the meta value keeps the record's serial at its end, a schema 2 value reads as 0") {
  codec::Meta m;
  m.id = std::string(16, '\x01');
  m.target = "t.example.";
  m.serial = 0xfffffffe;
  const std::string value = codec::encode_meta(m);
  CHECK(value.substr(value.size() - 4) == "\xff\xff\xff\xfe"s);
  CHECK(codec::decode_meta(value).serial == 0xfffffffe);
  const codec::Meta v2 = codec::decode_meta(value.substr(0, value.size() - 4));
  CHECK(v2.serial == 0);
  CHECK(v2.target == "t.example.");
}

TEST_CASE("the info values: schema version and record count") {
  CHECK(codec::encode_schema_version(2) == "\0\0\0\2"s);
  CHECK(codec::decode_schema_version("\0\0\0\2"s) == 2u);
  CHECK_FALSE(codec::decode_schema_version("\0\2"s));
  CHECK(codec::encode_record_count(258) == "\0\0\0\0\0\0\1\2"s);
  CHECK(codec::decode_record_count(codec::encode_record_count(258)) == 258u);
  CHECK_FALSE(codec::decode_record_count("\1\2\3\4"s));
}

TEST_CASE("journal keys: the apex key's length, the apex key, the sequence number") {
  const std::string apex = key_of(kV4);
  const std::string k = codec::journal_key(apex, 0x0102030405060708ull);
  CHECK(k == char(apex.size()) + apex + "\x01\x02\x03\x04\x05\x06\x07\x08"s);
  CHECK(codec::journal_seq_of(k, apex) == 0x0102030405060708ull);
  CHECK(codec::journal_key(apex, codec::kJournalHeadSeq) < codec::journal_key(apex, 1));
  CHECK(codec::journal_key(apex, 255) < codec::journal_key(apex, 256));  // big-endian
  // Not a key of this zone: another zone's, one whose apex key this one's prefixes, a
  // truncated one.
  const std::string inside = key_of("1.2.0.192.in-addr.arpa.");
  CHECK_FALSE(codec::journal_seq_of(codec::journal_key(key_of(kV6), 1), apex));
  CHECK_FALSE(codec::journal_seq_of(codec::journal_key(inside, 1), apex));
  CHECK_FALSE(codec::journal_seq_of(k.substr(0, k.size() - 1), apex));
  // The length byte keeps every zone's keys one range: no key of a zone whose apex key
  // starts with this one's sorts between this zone's head and its entries.
  CHECK(codec::journal_key(inside, 0) > codec::journal_key(apex, ~0ull));
  CHECK(error_code([&] { codec::journal_key("", 1); }) == "internal");
  CHECK(error_code([&] { codec::journal_key(std::string(256, 'a'), 1); }) == "internal");
}

TEST_CASE("the journal head round-trips, and a malformed one is refused") {
  codec::JournalHead h{9, 3, 1234};
  const std::string v = codec::encode_journal_head(h);
  CHECK(v.size() == codec::kJournalHeadSize);
  CHECK(v.substr(0, 8) == "\0\0\0\0\0\0\0\x09"s);
  codec::JournalHead back;
  REQUIRE(codec::decode_journal_head(v, back));
  CHECK(back.next_seq == 9);
  CHECK(back.entries == 3);
  CHECK(back.bytes == 1234);
  CHECK(back.first_seq() == 6);
  CHECK_FALSE(codec::decode_journal_head(v.substr(0, 23), back));
  CHECK_FALSE(codec::decode_journal_head(v + "x", back));
  CHECK_FALSE(codec::decode_journal_head(codec::encode_journal_head({0, 0, 0}), back));
  CHECK_FALSE(codec::decode_journal_head(codec::encode_journal_head({3, 3, 0}), back));
  CHECK(codec::decode_journal_head(codec::encode_journal_head({3, 2, 0}), back));
}

TEST_CASE("a journal entry: its fixed part, its RRs in key order, condensed per RR") {
  using Rr = codec::JournalStepBuilder::Rr;
  const std::string k1 = codec::meta_key(ip("192.0.2.1")), k2 = codec::meta_key(ip("192.0.2.2"));
  const std::string a = *names::text_to_wire("a.example."), b = *names::text_to_wire("b.");
  codec::JournalStepBuilder steps;
  CHECK(steps.empty());
  steps.note(k2, codec::kTypePtr, std::nullopt, Rr{60, a});  // created, then replaced
  steps.note(k1, codec::kTypePtr, Rr{5, b}, std::nullopt);   // removed
  steps.note(k2, codec::kTypePtr, Rr{60, a}, Rr{70, b});
  steps.note(k1, 49, std::nullopt, Rr{1, "\x01\x02"s});  // another type of the same key
  CHECK_FALSE(steps.empty());
  const std::string v = steps.entry(0xfffffffe, 3).str();
  CHECK(steps.entry(0xfffffffe, 3).size() == v.size());
  codec::JournalEntryView e;
  REQUIRE(codec::decode_journal_entry(v, e));
  CHECK(e.from_serial == 0xfffffffe);
  CHECK(e.to_serial == 3);
  CHECK(e.removed == 1);
  CHECK(e.added == 2);
  const std::string want = "\xff\xff\xff\xfe\0\0\0\3\0\0\0\1\0\0\0\2"s +
                           // removed: k1 PTR 5 b.
                           "\x05" + k1 + "\0\x0c"s + "\0\0\0\5"s + "\0\3"s + b +
                           // added: k1 type 49, then k2 PTR 70 b.
                           "\x05" + k1 + "\0\x31"s + "\0\0\0\1"s + "\0\2"s + "\x01\x02" + "\x05" +
                           k2 + "\0\x0c"s + "\0\0\0\x46"s + "\0\3"s + b;
  CHECK(v == want);
  std::string_view rest = e.rrs;
  codec::JournalRrView rr;
  REQUIRE(codec::next_journal_rr(rest, rr));
  CHECK(rr.key == k1);
  CHECK(rr.type == codec::kTypePtr);
  CHECK(rr.ttl == 5);
  CHECK(rr.rdata == b);
  REQUIRE(codec::next_journal_rr(rest, rr));
  CHECK(rr.type == 49);
  REQUIRE(codec::next_journal_rr(rest, rr));
  CHECK(rr.key == k2);
  CHECK(rr.ttl == 70);
  CHECK_FALSE(codec::next_journal_rr(rest, rr));
  CHECK(rest.empty());
  // A truncated RR is refused, and `rest` stays where it was.
  for (size_t n = 1; n < 1 + k1.size() + 2 + 4 + 2 + b.size(); ++n) {
    CAPTURE(n);
    std::string_view cut = std::string_view(e.rrs).substr(0, n);
    CHECK_FALSE(codec::next_journal_rr(cut, rr));
    CHECK(cut.size() == n);
  }
  CHECK_FALSE(codec::decode_journal_entry(v.substr(0, 15), e));
  // No changes, or only changes that cancel out: the fixed part alone.
  codec::JournalStepBuilder none;
  none.note(k1, codec::kTypePtr, Rr{5, b}, Rr{6, a});
  none.note(k1, codec::kTypePtr, Rr{6, a}, Rr{5, b});
  none.note(k2, codec::kTypePtr, std::nullopt, Rr{6, a});
  none.note(k2, codec::kTypePtr, Rr{6, a}, std::nullopt);
  CHECK(none.entry(1, 2).str() == "\0\0\0\1\0\0\0\2\0\0\0\0\0\0\0\0"s);
  const codec::JournalStepBuilder nothing;
  CHECK(nothing.entry(1, 2).size() == codec::kJournalEntryFixed);
}

TEST_CASE("a journal entry of many changes in key order, over several blocks") {
  using Rr = codec::JournalStepBuilder::Rr;
  const std::string a = *names::text_to_wire("a.example."), b = *names::text_to_wire("b.");
  codec::JournalStepBuilder steps;
  const int n = 40000;  // about 1 MB of changes
  for (int i = 0; i < n; ++i) {
    names::IpAddress addr = ip("2001:db8::");
    addr.bytes[14] = uint8_t(i >> 8);
    addr.bytes[15] = uint8_t(i);
    const std::string k = codec::meta_key(addr);
    if (i % 3 == 0)
      steps.note(k, codec::kTypePtr, std::nullopt, Rr{uint32_t(i), a});
    else if (i % 3 == 1)
      steps.note(k, codec::kTypePtr, Rr{7, b}, Rr{7, b});  // no change: left out
    else
      steps.note(k, codec::kTypePtr, Rr{7, b}, std::nullopt);
  }
  const auto entry = steps.entry(5, 6);
  const std::string v = entry.str();
  CHECK(v.size() == entry.size());
  codec::JournalEntryView e;
  REQUIRE(codec::decode_journal_entry(v, e));
  CHECK(e.removed == (n + 1) / 3);
  CHECK(e.added == (n + 2) / 3);
  std::string_view rest = e.rrs;
  codec::JournalRrView rr;
  std::string last;
  for (uint32_t i = 0; i < e.removed; ++i) {
    REQUIRE(codec::next_journal_rr(rest, rr));
    CHECK(std::string(rr.key) > last);
    CHECK(rr.rdata == b);
    last = rr.key;
  }
  last.clear();
  for (uint32_t i = 0; i < e.added; ++i) {
    REQUIRE(codec::next_journal_rr(rest, rr));
    CHECK(std::string(rr.key) > last);
    CHECK(rr.ttl == i * 3);
    CHECK(rr.rdata == a);
    last = rr.key;
  }
  CHECK(rest.empty());
}

TEST_CASE("record keys: family then address, and back") {
  for (const char* text : {"192.0.2.1", "2001:db8::42"}) {
    names::IpAddress a = ip(text);
    std::string key = codec::meta_key(a);
    CHECK(key.size() == 1 + a.size());
    CHECK(uint8_t(key[0]) == a.family);
    CHECK(names::format_ip(codec::address_of_meta_key(key)) == text);
  }
  CHECK(codec::owner_key(ip("192.0.2.1")) == key_of("1.2.0.192.in-addr.arpa."));
}

TEST_CASE("compare_address_keys orders keys exactly as LMDB's default compare") {
  auto reference = [](std::string_view a, std::string_view b) {
    int c = a.substr(0, std::min(a.size(), b.size()))
                .compare(b.substr(0, std::min(a.size(), b.size())));
    if (c != 0) return c < 0 ? -1 : 1;
    return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
  };
  auto sign = [](int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; };
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto rnd = [&state] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  // Keys that share long prefixes and differ in one byte anywhere, high bits included.
  auto key = [&](size_t size, const std::string& like) {
    std::string k = like.substr(0, size);
    k.resize(size, '\0');
    if (size > 0 && rnd() % 2) k[rnd() % size] = char(rnd());
    return k;
  };
  const size_t sizes[] = {0, 1, 4, 5, 16, 17, 18};
  std::string base(17, '\0');
  for (int i = 0; i < 20000; ++i) {
    if (i % 100 == 0)
      for (char& c : base) c = char(rnd() % 3 == 0 ? 0xff : rnd());
    std::string a = key(sizes[rnd() % 7], base), b = key(sizes[rnd() % 7], base);
    if (rnd() % 4 == 0) b = a;
    MDB_val x{a.size(), a.data()}, y{b.size(), b.data()};
    CAPTURE(i);
    REQUIRE(sign(compare_address_keys(&x, &y)) == reference(a, b));
    REQUIRE(sign(compare_address_keys(&y, &x)) == reference(b, a));
  }
}

TEST_CASE("the zone value keeps the NS TTL after the journal limits, without one the SOA TTL") {
  Zone z = sample_zone();
  z.settings.soa.ttl = 900;
  codec::ZoneWire w;
  std::string value = codec::encode_zone(z);
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.ns_ttl == 900);
  CHECK(codec::get_be(value, value.size() - codec::kZoneSynthFixed - 4, 4) == codec::kZoneNoNsTtl);
  CHECK_FALSE(codec::decode_zone(key_of(kV4), value).settings.ns_ttl);
  z.settings.ns_ttl = 86400;
  value = codec::encode_zone(z);
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.ns_ttl == 86400);
  CHECK(w.soa_ttl == 900);
  Zone back = codec::decode_zone(key_of(kV4), value);
  CHECK(back.settings == z.settings);
  CHECK(back.settings.ns_ttl_or_soa() == 86400);
  // A value written before the NS TTL existed: the SOA TTL, no setting.
  const std::string old =
      value.substr(0, value.size() - codec::kZoneSynthFixed - codec::kZoneNsTtlSize);
  REQUIRE(codec::decode_zone_wire(old, w));
  CHECK(w.ns_ttl == 900);
  CHECK_FALSE(codec::decode_zone(key_of(kV4), old).settings.ns_ttl);
  z.settings.ns_ttl = 0;  // a TTL of 0 is a TTL, not "none"
  REQUIRE(codec::decode_zone_wire(codec::encode_zone(z), w));
  CHECK(w.ns_ttl == 0);
}

TEST_CASE("the zone value keeps the synthesis after the NS TTL, or none") {
  Zone z = sample_zone();
  codec::ZoneWire w;
  REQUIRE(codec::decode_zone_wire(codec::encode_zone(z), w));
  CHECK(w.synth_template.empty());
  CHECK_FALSE(codec::decode_zone(key_of(kV4), codec::encode_zone(z)).settings.synth);
  z.settings.synth = SynthSettings{"ip-{dashed}.dyn.example.net.", 300, true};
  const std::string value = codec::encode_zone(z);
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.synth_template == "ip-{dashed}.dyn.example.net.");
  CHECK(w.synth_ttl == 300);
  CHECK(w.synth_in_transfer);
  CHECK(codec::decode_zone(key_of(kV4), value).settings == z.settings);
  // A template length that does not match the bytes there are is refused.
  for (size_t cut = 1; cut <= z.settings.synth->tmpl.size() + 1; ++cut)
    CHECK_FALSE(codec::decode_zone_wire(std::string_view(value).substr(0, value.size() - cut), w));
  CHECK_FALSE(codec::decode_zone_wire(value + "x", w));
  // Settings that differ only in the synthesis are different settings.
  Zone other = z;
  other.settings.synth->ttl = 60;
  CHECK_FALSE(other.settings == z.settings);
}
