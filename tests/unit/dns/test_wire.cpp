// The answer core's building blocks: bounded reader and writer, query parsing (the key
// built from QNAME), and the response writer's name compression.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/dns/message_writer.h"
#include "server/dns/query.h"
#include "server/dns/wire.h"

using namespace rdnsd::dns;

namespace {

std::string bytes(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::vector<uint8_t> query_for(const std::string& qname_wire, uint16_t qdcount = 1) {
  std::string q("\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
  q[5] = static_cast<char>(qdcount);
  q += qname_wire;
  q += std::string("\x00\x0c\x00\x01", 4);
  return std::vector<uint8_t>(q.begin(), q.end());
}

}  // namespace

TEST_CASE("WireReader reads big-endian and its error sticks") {
  const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  WireReader r(data, sizeof data);
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0203);
  CHECK(r.u32() == 0x04050607u);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(r.u8() == 0);
  CHECK_FALSE(r.ok());
  CHECK(r.remaining() == 0);

  WireReader r2(data, sizeof data);
  r2.skip(6);
  CHECK(r2.u16() == 0);  // one byte short: nothing consumed, error set
  CHECK_FALSE(r2.ok());
  CHECK(r2.pos() == 6);
  CHECK(r2.take(0) == nullptr);  // sticky even for an empty take

  WireReader r3(data, sizeof data);
  CHECK(r3.take(SIZE_MAX) == nullptr);
  CHECK_FALSE(r3.ok());
}

TEST_CASE("WireWriter stays within its limit, rewinds and patches") {
  uint8_t buf[8] = {};
  WireWriter w;
  w.reset(buf, sizeof buf);
  w.u16(0xA1B2);
  w.u32(0xC3D4E5F6);
  CHECK(w.ok());
  CHECK(w.pos() == 6);
  const size_t mark = w.pos();
  w.u32(1);  // does not fit: nothing written
  CHECK_FALSE(w.ok());
  CHECK(w.pos() == 6);
  w.u8(9);  // sticky
  CHECK(w.pos() == 6);
  w.rewind(mark);
  CHECK(w.ok());
  w.u8(0x77);
  CHECK(w.pos() == 7);
  w.patch_u16(0, 0x0102);
  CHECK(bytes(buf, 7) == std::string("\x01\x02\xC3\xD4\xE5\xF6\x77", 7));
  w.patch_u16(6, 0xFFFF);  // would run past what is written: ignored
  CHECK(buf[6] == 0x77);

  // A lowered limit, then raised back (never past the capacity).
  w.reset(buf, sizeof buf);
  w.set_limit(3);
  w.u16(1);
  w.u16(2);
  CHECK_FALSE(w.ok());
  CHECK(w.pos() == 2);
  w.rewind(w.pos());
  w.set_limit(100);
  CHECK(w.limit() == sizeof buf);
  w.bytes("abcdef", 6);
  CHECK(w.ok());
  CHECK(w.pos() == 8);
  w.set_limit(1);  // not below what is written
  CHECK(w.limit() == 8);
}

TEST_CASE("valid_wire_name") {
  using namespace std::string_literals;
  CHECK(valid_wire_name("\0"s));
  CHECK(valid_wire_name("\3foo\3bar\0"s));
  CHECK_FALSE(valid_wire_name(""s));
  CHECK_FALSE(valid_wire_name("\3foo"s));
  CHECK_FALSE(valid_wire_name("\3foo\0\0"s));
  CHECK_FALSE(valid_wire_name("\5foo\0"s));
  CHECK_FALSE(valid_wire_name("\xC0\x0C"s));
  CHECK_FALSE(valid_wire_name("\x40"s + std::string(64, 'a') + "\0"s));
  std::string max;
  for (int i = 0; i < 3; ++i) max += "\x3f"s + std::string(63, 'a');
  max += "\x3d"s + std::string(61, 'b') + "\0"s;
  CHECK(max.size() == 255);
  CHECK(valid_wire_name(max));
  CHECK_FALSE(valid_wire_name("\1x"s + max.substr(1)));
}

TEST_CASE("parse_query builds the reversed lower-case key") {
  Query q;
  auto pkt =
      query_for(std::string("\x01"
                            "2\x01"
                            "2\x01"
                            "0\x03"
                            "192\x07"
                            "In-AdDr\x04"
                            "ARPA\x00",
                            24));
  REQUIRE(parse_query(pkt.data(), pkt.size(), q) == ParseResult::Ok);
  CHECK(q.key() == std::string_view("\x04"
                                    "arpa\x07"
                                    "in-addr\x03"
                                    "192\x01"
                                    "0\x01"
                                    "2\x01"
                                    "2"));
  CHECK(q.qname_len == 24);
  CHECK(q.qtype == 12);
  CHECK(q.qclass == 1);
  CHECK(q.question_end == pkt.size());
  CHECK_FALSE(q.edns.present);

  auto root = query_for(std::string("\0", 1));
  REQUIRE(parse_query(root.data(), root.size(), q) == ParseResult::Ok);
  CHECK(q.key().empty());
  CHECK(q.qname_len == 1);

  auto none = query_for(std::string("\0", 1), 0);
  CHECK(parse_query(none.data(), none.size(), q) == ParseResult::NoQuestion);
  auto ptr =
      query_for(std::string("\x01"
                            "a\xC0\x0C",
                            4));
  CHECK(parse_query(ptr.data(), ptr.size(), q) == ParseResult::BadQuestion);
  auto extra =
      query_for(std::string("\x01"
                            "a\x00",
                            3));
  extra[7] = 1;  // ANCOUNT 1, nothing there
  CHECK(parse_query(extra.data(), extra.size(), q) == ParseResult::BadSections);
}

TEST_CASE("MessageWriter compresses RDATA names against earlier names") {
  std::vector<uint8_t> out(512);
  auto query =
      query_for(std::string("\x01"
                            "2\x04"
                            "Arpa\x00",
                            8));
  Query q;
  REQUIRE(parse_query(query.data(), query.size(), q) == ParseResult::Ok);
  MessageWriter r;
  REQUIRE(r.begin(query.data(), out.data(), out.size()));
  REQUIRE(r.put_question(query.data(), q));
  const size_t start = r.wire().pos();

  r.rr_begin(MessageWriter::kQnameOffset, 12, 1, 60);
  const size_t rdata = r.wire().pos();
  r.rr_name(
      std::string("\x03"
                  "ns1\x07"
                  "example\x03"
                  "net\x00",
                  17));
  CHECK(r.wire().pos() - rdata == 17);  // nothing to share yet
  const size_t second = r.wire().pos();
  r.rr_name(
      std::string("\x03"
                  "ns2\x07"
                  "example\x03"
                  "net\x00",
                  17));
  CHECK(r.wire().pos() - second == 6);  // "ns2" + pointer
  CHECK(out[second + 4] == 0xC0);
  CHECK(out[second + 5] == rdata + 4);
  const size_t third = r.wire().pos();
  r.rr_name(
      std::string("\x03"
                  "ns2\x07"
                  "EXAMPLE\x03"
                  "net\x00",
                  17));
  CHECK(r.wire().pos() - third == 2);  // case-insensitive, a pointer to the second
  CHECK(out[third + 1] == second);
  const size_t fourth = r.wire().pos();
  r.rr_name(
      std::string("\x04"
                  "arpa\x00",
                  6));
  CHECK(r.wire().pos() - fourth == 2);  // the question's "Arpa"
  CHECK(out[fourth + 1] == 12 + 2);
  const size_t root = r.wire().pos();
  r.rr_name(std::string("\x00", 1));
  CHECK(r.wire().pos() - root == 1);
  r.rr_end(Section::Answer);
  CHECK(r.ok());

  // A bad name marks the data bad; cutting back forgets the names written after the
  // question, so nothing points past the cut.
  r.rr_name(
      std::string("\x05"
                  "ab",
                  3));
  CHECK(r.bad_data());
  r.cut_to_question();
  CHECK(r.ok());
  CHECK(r.wire().pos() == start);
  const size_t again = r.wire().pos();
  r.rr_name(
      std::string("\x03"
                  "ns1\x07"
                  "example\x03"
                  "net\x00",
                  17));
  CHECK(r.wire().pos() - again == 17);
  CHECK(r.finish() == r.wire().pos());
  CHECK(out[5] == 1);  // QDCOUNT
  CHECK(out[7] == 0);  // ANCOUNT reset by the cut
}
