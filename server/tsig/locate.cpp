// Finding the TSIG RR: a bounded walk over every counted record (RFC 8945 5.2 wants it
// last and alone), then its RDATA (section 4.2).
#include "server/tsig/hmac.h"
#include "server/tsig/tsig.h"

namespace rdnsd::tsig {
namespace {

using detail::get16;
using detail::get32;
using detail::get48;

uint8_t ascii_lower(uint8_t c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

// Skips a name in the record walk without following pointers. False when it overruns.
bool skip_name(const uint8_t* msg, size_t len, size_t& pos) noexcept {
  for (;;) {
    if (pos >= len) return false;
    const uint8_t label = msg[pos];
    if ((label & 0xC0) == 0xC0) {
      if (len - pos < 2) return false;
      pos += 2;
      return true;
    }
    if ((label & 0xC0) != 0) return false;
    ++pos;
    if (label == 0) return true;
    if (len - pos < label) return false;
    pos += label;
  }
}

// Reads the name at `pos` into `out` (uncompressed, lower case, at most 255 octets) and
// moves `pos` past it in the message. Pointers are followed only backwards (to an offset
// before the pointer itself), so the walk ends; a name must still fit 255 octets.
bool read_name(const uint8_t* msg, size_t len, size_t& pos, uint8_t* out,
               size_t& out_len) noexcept {
  size_t p = pos;
  size_t after = 0;  // where the name ends in the message: after its first pointer
  out_len = 0;
  for (;;) {
    if (p >= len) return false;
    const uint8_t label = msg[p];
    if ((label & 0xC0) == 0xC0) {
      if (len - p < 2) return false;
      const size_t to = static_cast<size_t>(label & 0x3F) << 8 | msg[p + 1];
      if (to >= p) return false;
      if (after == 0) after = p + 2;
      p = to;
      continue;
    }
    if ((label & 0xC0) != 0 || out_len + 1 + label > kMaxName) return false;
    if (len - p - 1 < label) return false;
    out[out_len++] = label;
    for (size_t i = 0; i < label; ++i) out[out_len++] = ascii_lower(msg[p + 1 + i]);
    p += 1 + label;
    if (label == 0) break;
  }
  pos = after != 0 ? after : p;
  return true;
}

// The TSIG RR at `start` (its owner), whose RDATA is msg[rdata, rdata + rdlen).
Found parse_tsig(const uint8_t* msg, size_t len, size_t start, size_t rdata, size_t rdlen,
                 Located& t) noexcept {
  size_t pos = start;
  if (!read_name(msg, len, pos, t.key_name, t.key_name_len)) return Found::Malformed;
  t.rr_class = get16(msg + pos + 2);
  t.ttl = get32(msg + pos + 4);
  const size_t end = rdata + rdlen;
  pos = rdata;
  if (!read_name(msg, end, pos, t.algorithm, t.algorithm_len)) return Found::Malformed;
  // Time Signed, Fudge, MAC Size
  if (end - pos < 10) return Found::Malformed;
  t.time_signed = get48(msg + pos);
  t.fudge = get16(msg + pos + 6);
  t.mac_len = get16(msg + pos + 8);
  pos += 10;
  if (end - pos < t.mac_len) return Found::Malformed;
  t.mac = msg + pos;
  pos += t.mac_len;
  // Original ID, Error, Other Len
  if (end - pos < 6) return Found::Malformed;
  t.original_id = get16(msg + pos);
  t.error = get16(msg + pos + 2);
  t.other_len = get16(msg + pos + 4);
  pos += 6;
  if (end - pos != t.other_len) return Found::Malformed;
  t.other = msg + pos;
  t.offset = start;
  t.end = end;
  return Found::Ok;
}

}  // namespace

Located locate(const uint8_t* msg, size_t len) noexcept {
  Located t;
  if (msg == nullptr || len < detail::kHeaderSize) {
    t.found = Found::Unparsable;
    return t;
  }
  const uint32_t qd = get16(msg + 4);
  const uint32_t an_ns = uint32_t{get16(msg + 6)} + get16(msg + 8);
  const uint32_t total = an_ns + get16(msg + 10);
  size_t pos = detail::kHeaderSize;
  for (uint32_t i = 0; i < qd; ++i) {
    if (!skip_name(msg, len, pos) || len - pos < 4) {
      t.found = Found::Unparsable;
      return t;
    }
    pos += 4;
  }
  for (uint32_t i = 0; i < total; ++i) {
    const size_t start = pos;
    // Owner, then TYPE, CLASS, TTL, RDLENGTH.
    if (!skip_name(msg, len, pos) || len - pos < 10) {
      t.found = Found::Unparsable;
      return t;
    }
    const uint16_t type = get16(msg + pos);
    const size_t rdlen = get16(msg + pos + 8);
    const size_t rdata = pos + 10;
    const bool fits = len - rdata >= rdlen;
    if (type == kRrType) {
      // Not the last RR, or not in the additional section: misplaced (a second TSIG after
      // a first is caught here too, as the first was then not last).
      if (i + 1 != total || i < an_ns) {
        t.found = Found::Misplaced;
        return t;
      }
      t.found = fits ? parse_tsig(msg, len, start, rdata, rdlen, t) : Found::Malformed;
      return t;
    }
    if (!fits) {
      t.found = Found::Unparsable;
      return t;
    }
    pos = rdata + rdlen;
  }
  t.found = Found::None;
  return t;
}

}  // namespace rdnsd::tsig
