#pragma once
// DNS UPDATE (RFC 2136) messages read into a plan: what the update asks, in types of
// its own, for the writer to check and apply (docs/UPDATE.md). Bytes in, a plan or an
// RCODE out; no I/O, no store.
//
//   message                                               parse() answers
//   header, sections or names malformed, counts lying,    FORMERR
//   compression loops, a TSIG not last, bytes left over
//   zone section: not exactly one RR, or its type not SOA FORMERR (RFC 2136 3.1.1)
//   zone class not IN, a name that is no reverse zone     NOTAUTH (3.1.1)
//   prerequisite or update RR outside the zone            NOTZONE (3.2.5, 3.4.1.2)
//   prerequisite or update RR of a bad class/TTL/RDATA    FORMERR (3.2, 3.4.1.3)
//   an update rdnsd does not take: a type other than PTR  REFUSED, with the reason
//   or DHCID (SOA, NS, CNAME ...), an owner that is not a
//   full /32 or /128 address name, a PTR target that is
//   no host name, a DHCID over 1024 octets, a TTL over
//   2^31-1; a value-dependent prerequisite on the apex's
//   SOA or NS
//   a DHCID RDATA under 3 octets (RFC 4701 3.1)           FORMERR
//
// Whether the zone is served here, who may update it and whether the prerequisites
// hold are not decided here: the door (server/update/door.h) and the writer do that.
//
// Names are compared without ASCII case (Kea writes IPv6 nibbles in upper case): owners
// are kept lower case, PTR targets as sent.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonestore/names/names.h"

namespace rdnsd::update {

// The RCODEs of UPDATE answers (RFC 1035 4.1.1, RFC 2136 section 2.2).
enum class Rcode : uint8_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
  YxDomain = 6,
  YxRrset = 7,
  NxRrset = 8,
  NotAuth = 9,
  NotZone = 10,
};
// "NOERROR", "FORMERR", ... as dig prints them.
const char* rcode_name(Rcode rcode) noexcept;
// The inverse of rcode_name; nullopt for any other text.
std::optional<Rcode> rcode_from_name(std::string_view name) noexcept;

constexpr uint8_t kOpcodeUpdate = 5;
constexpr uint16_t kTypeSoa = 6, kTypeNs = 2, kTypePtr = 12, kTypeDhcid = 49, kTypeAny = 255;

// Whether `msg` is an UPDATE request (opcode 5, QR clear): then the door answers it,
// not the answer core. Never reads past `len`.
bool is_update(const uint8_t* msg, size_t len) noexcept;

// A name of a prerequisite, as the writer looks it up.
struct Owner {
  std::string text;                         // absolute, lower case
  std::optional<names::IpAddress> address;  // set when it is a full /32 or /128 name
  bool apex = false;                        // the zone's apex (SOA and NS live there)
};

// One prerequisite (RFC 2136 section 2.4). Each names the RCODE its failure answers.
struct Prerequisite {
  enum class Kind : uint8_t {
    NameInUse,     // 2.4.4, class ANY type ANY: some RR at the name, else NXDOMAIN
    NameNotInUse,  // 2.4.5, class NONE type ANY: no RR at the name, else YXDOMAIN
    RrsetExists,   // 2.4.1, class ANY: an RRset of `type`, else NXRRSET
    RrsetEquals,   // 2.4.2, the zone's class: the RRset is exactly `values`, else NXRRSET
    RrsetAbsent,   // 2.4.3, class NONE: no RRset of `type`, else YXRRSET
  };
  Kind kind = Kind::NameInUse;
  Owner owner;
  uint16_t type = 0;  // the RRset kinds
  // RrsetEquals: the RDATA of every RR given for (owner, type), duplicates dropped; for
  // PTR each is the target as absolute text, lower case; for other types (DHCID) the
  // RDATA's octets.
  std::vector<std::string> values;
};

// One update (RFC 2136 section 2.5). The owner is always a full address name.
struct Update {
  enum class Kind : uint8_t {
    Add,          // 2.5.1: add the RR (replacing the address's one PTR or DHCID)
    DeleteRrset,  // 2.5.2: delete the RRset of `type`
    DeleteName,   // 2.5.3: delete every RRset of the name
    DeleteRr,     // 2.5.4: delete the RR if the RRset holds it
  };
  Kind kind = Kind::Add;
  names::IpAddress address;
  std::string owner;         // absolute, lower case
  uint16_t type = kTypePtr;  // Add, DeleteRrset, DeleteRr: PTR or DHCID
  uint32_t ttl = 0;          // Add
  std::string target;        // Add, DeleteRr of a PTR: absolute text, case as sent
  std::string rdata;         // Add, DeleteRr of a DHCID: its RDATA octets
};

// What an UPDATE asks of one zone, in message order.
struct Plan {
  std::string zone;  // the apex, absolute text, lower case
  std::vector<Prerequisite> prerequisites;
  std::vector<Update> updates;
  std::string actor;  // who asks: "update:KEYNAME" or "update:ADDRESS" (the door sets it)
};

struct Parsed {
  Rcode rcode = Rcode::NoError;  // NoError: `plan` holds the request
  std::string reason;            // why, when rcode is not NoError (for the log)
  Plan plan;
  // Where the zone section ends: the answer echoes bytes [12, zone_end). 0 when the
  // zone section does not parse (the answer then has none).
  size_t zone_end = 0;
};

// Parses an UPDATE message of `len` octets (its TSIG, if any, must be the last RR and
// is skipped: verifying it is the caller's job). Never reads past `len`, never trusts a
// count beyond the octets there are, follows compression pointers only backwards and
// at most a bounded number of times. Allocates (the plan); does not throw but
// std::bad_alloc.
Parsed parse(const uint8_t* msg, size_t len);

// Writes the answer to the UPDATE `request` (at least a header; `zone_end` from parse,
// or 0) into out[0, cap): the request's ID, QR, opcode UPDATE, RD as sent, `rcode`, and
// the zone section echoed when there is one; every other section empty (RFC 2136 3.8).
// Returns its length, 0 when it does not fit.
size_t write_answer(const uint8_t* request, size_t zone_end, Rcode rcode, uint8_t* out,
                    size_t cap) noexcept;

}  // namespace rdnsd::update
