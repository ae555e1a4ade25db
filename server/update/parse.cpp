// The UPDATE parser: header, zone section, prerequisites and updates, each RR read
// with bounds checks from the octets there are; the plan is built as the sections are
// read, and the policy of what rdnsd takes (REFUSED) is applied once every RR has
// passed the format checks, so that a malformed message is FORMERR wherever its fault is.
#include <cstdio>
#include <cstring>

#include "server/dns/query.h"
#include "server/dns/wire.h"
#include "server/tsig/tsig.h"
#include "server/update/plan.h"
#include "zonestore/names/limits.h"

namespace rdnsd::update {
namespace {

constexpr uint16_t kClassIn = 1, kClassNone = 254, kClassAny = 255;
constexpr int kMaxPointers = 64;  // hops of one name; more is a loop or an attack
// A DHCID's RDATA: identifier type (2), digest type (1), digest (RFC 4701 3.1); the
// upper bound is the store's (zonestore/codec/dhcid_value.h).
constexpr uint16_t kMinDhcid = 3, kMaxDhcid = 1024;

// Meta types and query types, which no RR may carry in an update (RFC 2136 3.4.1.3):
// 128..255 (RFC 6895 section 3.1: QTYPEs and meta-TYPEs), which holds IXFR, AXFR,
// MAILB, MAILA and ANY; and OPT and TSIG.
bool meta_type(uint16_t type) {
  return (type >= 128 && type <= 255) || type == 41 || type == tsig::kRrType;
}

std::string type_name(uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 49:
      return "DHCID";
    case 255:
      return "ANY";
    default:
      return "TYPE" + std::to_string(type);
  }
}

// Reads the name at `at`, following compression pointers, into its uncompressed wire
// form (ASCII case as sent). Each pointer must point before the one followed last (so
// before the name itself at first): the walk always ends. Returns the offset just past
// the name where it lies (after its first pointer), or 0 if it is malformed.
size_t read_name(const uint8_t* msg, size_t len, size_t at, std::string& out) {
  out.clear();
  size_t pos = at, end = 0, limit = at;
  for (int hops = 0;;) {
    if (pos >= len) return 0;
    const uint8_t l = msg[pos];
    if ((l & 0xC0) == 0xC0) {
      if (pos + 1 >= len || ++hops > kMaxPointers) return 0;
      const size_t target = size_t(l & 0x3F) << 8 | msg[pos + 1];
      if (target < dns::kHeaderSize || target >= limit) return 0;
      if (end == 0) end = pos + 2;
      pos = limit = target;
      continue;
    }
    if ((l & 0xC0) != 0) return 0;  // extended label types (RFC 6891 section 5)
    if (out.size() + 1 + l > names::kMaxWireName) return 0;
    if (l == 0) {
      out.push_back('\0');
      return end != 0 ? end : pos + 1;
    }
    if (len - pos - 1 < l) return 0;
    out.append(reinterpret_cast<const char*>(msg + pos), size_t(l) + 1);
    pos += 1 + size_t(l);
  }
}

std::string lower(std::string s) {
  // Safe on wire names too: length octets are at most 63, below 'A'.
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

struct Rr {
  std::string owner;  // wire, lower case
  uint16_t type = 0, rr_class = 0;
  uint32_t ttl = 0;
  size_t rdata_at = 0;
  uint16_t rdlen = 0;
};

// The sticky state of one parse: the first failure wins.
class Reader {
 public:
  Reader(const uint8_t* msg, size_t end) : msg_(msg), end_(end) {}

  bool failed() const { return out.rcode != Rcode::NoError; }
  void fail(Rcode rcode, std::string reason) {
    if (failed()) return;
    out.rcode = rcode;
    out.reason = std::move(reason);
  }

  bool rr(Rr& rr) {
    pos_ = read_name(msg_, end_, pos_, rr.owner);
    if (pos_ == 0) return false;
    rr.owner = lower(std::move(rr.owner));
    dns::WireReader r(msg_ + pos_, end_ - pos_);
    rr.type = r.u16();
    rr.rr_class = r.u16();
    rr.ttl = r.u32();
    rr.rdlen = r.u16();
    r.skip(rr.rdlen);
    if (!r.ok()) return false;
    rr.rdata_at = pos_ + 10;
    pos_ += r.pos();
    return true;
  }

  // The RDATA of `rr` as one name that fills it exactly (PTR); nullopt if it does not.
  std::optional<std::string> rdata_name(const Rr& rr) const {
    std::string name;
    const size_t rdata_end = rr.rdata_at + rr.rdlen;
    if (read_name(msg_, rdata_end, rr.rdata_at, name) != rdata_end) return std::nullopt;
    return name;
  }

  const uint8_t* msg_;
  size_t end_;
  size_t pos_ = dns::kHeaderSize;
  Parsed out;
  std::string apex_key;
};

// Whether the owner's key lies at or below the apex's (keys are length-prefixed labels
// from the root down, so a prefix is a label boundary).
bool in_zone(const std::string& owner_key, const std::string& apex_key) {
  return owner_key.compare(0, apex_key.size(), apex_key) == 0;
}

std::optional<names::IpAddress> full_address(const std::string& key) {
  names::AddressKey k;
  if (!names::key_to_address_key(key, k) || k.units != k.full) return std::nullopt;
  names::IpAddress a;
  a.family = k.bytes[0];
  std::memcpy(a.bytes.data(), k.bytes + 1, size_t(k.size) - 1);
  return a;
}

void zone_section(Reader& p, uint16_t zocount) {
  if (zocount != 1) {
    p.fail(Rcode::FormErr,
           "the zone section holds " + std::to_string(zocount) + " RRs, not one (RFC 2136 3.1.1)");
    return;
  }
  std::string wire;
  const size_t after = read_name(p.msg_, p.end_, p.pos_, wire);
  if (after == 0 || p.end_ - after < 4) {
    p.fail(Rcode::FormErr, "the zone section does not parse");
    return;
  }
  const uint16_t ztype = uint16_t(p.msg_[after] << 8 | p.msg_[after + 1]);
  const uint16_t zclass = uint16_t(p.msg_[after + 2] << 8 | p.msg_[after + 3]);
  p.pos_ = after + 4;
  p.out.zone_end = p.pos_;
  wire = lower(std::move(wire));
  p.out.plan.zone = names::wire_to_text(wire);
  if (ztype != kTypeSoa) {
    p.fail(Rcode::FormErr, "the zone RR's type is " + type_name(ztype) + ", not SOA");
  } else if (zclass != kClassIn) {
    p.fail(Rcode::NotAuth, "zone " + p.out.plan.zone + " of class " + std::to_string(zclass) +
                               ": only class IN is served");
  } else if (!names::prefix_from_apex(p.out.plan.zone)) {
    p.fail(Rcode::NotAuth, "zone " + p.out.plan.zone + " is no reverse zone apex");
  }
  p.apex_key = names::wire_to_key(wire);
}

Owner owner_of(const Reader& p, const Rr& rr) {
  Owner o;
  o.text = names::wire_to_text(rr.owner);
  const std::string key = names::wire_to_key(rr.owner);
  o.apex = key == p.apex_key;
  o.address = full_address(key);
  return o;
}

// Adds one value-dependent RR to the RRset of its name and type (RFC 2136 3.2.3).
void add_value(Reader& p, const Rr& rr, Owner owner) {
  std::string value;
  if (rr.type == kTypePtr) {
    auto name = p.rdata_name(rr);
    if (!name) return p.fail(Rcode::FormErr, "a prerequisite's PTR RDATA does not parse");
    value = names::wire_to_text(lower(*name));
  } else {
    value.assign(reinterpret_cast<const char*>(p.msg_ + rr.rdata_at), rr.rdlen);
  }
  if (owner.apex && (rr.type == kTypeSoa || rr.type == kTypeNs))
    return p.fail(Rcode::Refused, "value-dependent prerequisites on the apex's " +
                                      type_name(rr.type) + " are not supported");
  for (Prerequisite& q : p.out.plan.prerequisites) {
    if (q.kind == Prerequisite::Kind::RrsetEquals && q.type == rr.type &&
        q.owner.text == owner.text) {
      for (const std::string& v : q.values)
        if (v == value) return;
      q.values.push_back(std::move(value));
      return;
    }
  }
  Prerequisite q;
  q.kind = Prerequisite::Kind::RrsetEquals;
  q.owner = std::move(owner);
  q.type = rr.type;
  q.values.push_back(std::move(value));
  p.out.plan.prerequisites.push_back(std::move(q));
}

void prerequisite(Reader& p, const Rr& rr) {
  using Kind = Prerequisite::Kind;
  if (!in_zone(names::wire_to_key(rr.owner), p.apex_key))
    return p.fail(Rcode::NotZone, "prerequisite " + names::wire_to_text(rr.owner) +
                                      " is outside zone " + p.out.plan.zone);
  if (rr.ttl != 0) return p.fail(Rcode::FormErr, "a prerequisite's TTL is not 0");
  if (rr.rr_class == kClassIn) {
    if (meta_type(rr.type))
      return p.fail(Rcode::FormErr, "a prerequisite RR of type " + type_name(rr.type));
    return add_value(p, rr, owner_of(p, rr));
  }
  if (rr.rr_class != kClassAny && rr.rr_class != kClassNone)
    return p.fail(Rcode::FormErr, "a prerequisite of class " + std::to_string(rr.rr_class));
  if (rr.rdlen != 0) return p.fail(Rcode::FormErr, "a prerequisite of class ANY/NONE with RDATA");
  if (rr.type != kTypeAny && meta_type(rr.type))
    return p.fail(Rcode::FormErr, "a prerequisite of type " + type_name(rr.type));
  Prerequisite q;
  const bool any = rr.rr_class == kClassAny;
  if (rr.type == kTypeAny)
    q.kind = any ? Kind::NameInUse : Kind::NameNotInUse;
  else
    q.kind = any ? Kind::RrsetExists : Kind::RrsetAbsent;
  q.owner = owner_of(p, rr);
  q.type = rr.type == kTypeAny ? 0 : rr.type;
  p.out.plan.prerequisites.push_back(std::move(q));
}

// The format checks of one update RR (RFC 2136 3.4.1.2, 3.4.1.3).
void update_format(Reader& p, const Rr& rr) {
  if (!in_zone(names::wire_to_key(rr.owner), p.apex_key))
    return p.fail(Rcode::NotZone, "update of " + names::wire_to_text(rr.owner) +
                                      " is outside zone " + p.out.plan.zone);
  if (rr.rr_class == kClassIn) {
    if (meta_type(rr.type))
      p.fail(Rcode::FormErr, "an update adding an RR of type " + type_name(rr.type));
  } else if (rr.rr_class == kClassAny) {
    if (rr.ttl != 0 || rr.rdlen != 0)
      p.fail(Rcode::FormErr, "a delete-RRset update with a TTL or RDATA");
    else if (rr.type != kTypeAny && meta_type(rr.type))
      p.fail(Rcode::FormErr, "a delete-RRset update of type " + type_name(rr.type));
  } else if (rr.rr_class == kClassNone) {
    if (rr.ttl != 0)
      p.fail(Rcode::FormErr, "a delete-RR update with a TTL");
    else if (meta_type(rr.type))
      p.fail(Rcode::FormErr, "a delete-RR update of type " + type_name(rr.type));
  } else {
    p.fail(Rcode::FormErr, "an update of class " + std::to_string(rr.rr_class));
  }
  if (!p.failed() && rr.rr_class != kClassAny && rr.type == kTypePtr && !p.rdata_name(rr))
    p.fail(Rcode::FormErr, "an update's PTR RDATA does not parse");
  if (!p.failed() && rr.rr_class != kClassAny && rr.type == kTypeDhcid && rr.rdlen < kMinDhcid)
    p.fail(Rcode::FormErr, "an update's DHCID RDATA has " + std::to_string(rr.rdlen) +
                               " octets, under 3 (RFC 4701 3.1)");
}

// What rdnsd takes (REFUSED otherwise): PTR records at full address names.
void update_policy(Reader& p, const Rr& rr) {
  using Kind = Update::Kind;
  const std::string owner = names::wire_to_text(rr.owner);
  Update u;
  u.owner = owner;
  const auto address = full_address(names::wire_to_key(rr.owner));
  if (!address)
    return p.fail(Rcode::Refused, "update of " + owner +
                                      ": not a full /32 or /128 address name, rdnsd keeps "
                                      "PTR records of addresses only");
  u.address = *address;
  if (rr.rr_class == kClassAny && rr.type == kTypeAny) {
    u.kind = Kind::DeleteName;
    u.type = 0;
    p.out.plan.updates.push_back(std::move(u));
    return;
  }
  if (rr.type != kTypePtr && rr.type != kTypeDhcid)
    return p.fail(Rcode::Refused, "update of " + owner + " " + type_name(rr.type) +
                                      ": rdnsd takes PTR and DHCID records only");
  u.type = rr.type;
  u.kind = rr.rr_class == kClassAny    ? Kind::DeleteRrset
           : rr.rr_class == kClassNone ? Kind::DeleteRr
                                       : Kind::Add;
  if (u.kind != Kind::DeleteRrset && rr.type == kTypePtr) {
    u.target = names::wire_to_text(*p.rdata_name(rr));
    std::string why;
    if (!names::is_hostname(u.target, &why))
      return p.fail(Rcode::Refused, "update of " + owner + " PTR " + u.target +
                                        ": the target is not a host name (" + why + ")");
  } else if (u.kind != Kind::DeleteRrset) {
    if (rr.rdlen > kMaxDhcid)
      return p.fail(Rcode::Refused, "update of " + owner + " DHCID of " + std::to_string(rr.rdlen) +
                                        " octets, over " + std::to_string(kMaxDhcid));
    u.rdata.assign(reinterpret_cast<const char*>(p.msg_ + rr.rdata_at), rr.rdlen);
  }
  if (u.kind == Kind::Add) {
    if (rr.ttl > limits::kMaxTtl)
      return p.fail(Rcode::Refused, "update of " + owner + " " + type_name(rr.type) + " with TTL " +
                                        std::to_string(rr.ttl) + ", over 2147483647");
    u.ttl = rr.ttl;
  }
  p.out.plan.updates.push_back(std::move(u));
}

}  // namespace

const char* rcode_name(Rcode rcode) noexcept {
  static const char* const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                      "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                      "NXRRSET", "NOTAUTH", "NOTZONE"};
  const auto i = size_t(rcode);
  return i < sizeof names / sizeof names[0] ? names[i] : "RCODE?";
}

std::optional<Rcode> rcode_from_name(std::string_view name) noexcept {
  for (uint8_t i = 0; i <= uint8_t(Rcode::NotZone); ++i)
    if (name == rcode_name(Rcode(i))) return Rcode(i);
  return std::nullopt;
}

bool is_update(const uint8_t* msg, size_t len) noexcept {
  return msg != nullptr && len >= dns::kHeaderSize && (msg[2] & 0x80) == 0 &&
         ((msg[2] >> 3) & 0x0F) == kOpcodeUpdate;
}

Parsed parse(const uint8_t* msg, size_t len) {
  if (msg == nullptr || len < dns::kHeaderSize) {
    Parsed out;
    out.rcode = Rcode::FormErr;
    out.reason = "shorter than a header";
    return out;
  }
  const uint16_t count[4] = {uint16_t(msg[4] << 8 | msg[5]), uint16_t(msg[6] << 8 | msg[7]),
                             uint16_t(msg[8] << 8 | msg[9]), uint16_t(msg[10] << 8 | msg[11])};
  // A TSIG must be the additional section's last RR; the sections end where it begins.
  const tsig::Located tsig = tsig::locate(msg, len);
  size_t end = len;
  uint16_t adcount = count[3];
  if (tsig.found == tsig::Found::Ok) {
    end = tsig.offset;
    --adcount;
  }
  Reader p(msg, end);
  if (tsig.found == tsig::Found::Misplaced || tsig.found == tsig::Found::Malformed)
    p.fail(Rcode::FormErr, "a TSIG that is not the last RR, or malformed");
  zone_section(p, count[0]);
  if (p.failed()) return std::move(p.out);
  Rr rr;
  for (unsigned i = 0; i < count[1] && !p.failed(); ++i) {
    if (!p.rr(rr)) p.fail(Rcode::FormErr, "the prerequisite section does not parse");
    if (!p.failed()) prerequisite(p, rr);
  }
  std::vector<Rr> updates;
  for (unsigned i = 0; i < count[2] && !p.failed(); ++i) {
    if (!p.rr(rr)) p.fail(Rcode::FormErr, "the update section does not parse");
    if (!p.failed()) update_format(p, rr);
    updates.push_back(rr);
  }
  for (unsigned i = 0; i < adcount && !p.failed(); ++i)
    if (!p.rr(rr)) p.fail(Rcode::FormErr, "the additional section does not parse");
  if (!p.failed() && p.pos_ != end)
    p.fail(Rcode::FormErr, std::to_string(end - p.pos_) + " octets after the last RR");
  for (size_t i = 0; i < updates.size() && !p.failed(); ++i) update_policy(p, updates[i]);
  return std::move(p.out);
}

size_t write_answer(const uint8_t* request, size_t zone_end, Rcode rcode, uint8_t* out,
                    size_t cap) noexcept {
  const size_t zone = zone_end > dns::kHeaderSize ? zone_end - dns::kHeaderSize : 0;
  if (request == nullptr || out == nullptr || cap < dns::kHeaderSize + zone) return 0;
  std::memset(out, 0, dns::kHeaderSize);
  out[0] = request[0];
  out[1] = request[1];
  out[2] = uint8_t(0x80 | kOpcodeUpdate << 3 | (request[2] & dns::flag::kRd));
  out[3] = uint8_t(rcode) & 0x0F;
  if (zone != 0) {
    out[5] = 1;
    std::memcpy(out + dns::kHeaderSize, request + dns::kHeaderSize, zone);
  }
  return dns::kHeaderSize + zone;
}

}  // namespace rdnsd::update
