#pragma once
// TSIG, transaction signatures on DNS messages (RFC 8945): wire bytes in, wire bytes out.
//
// Who calls what:
//   - a server checks a request (query, transfer request, NOTIFY, UPDATE) with
//     verify_request(), answers as usual when it is Ok, and signs the answer with
//     sign_answer(); error answers get NOTAUTH and either sign_answer() (BADTIME, BADTRUNC:
//     signed) or append_unsigned_error() (BADKEY, BADSIG: unsigned, RFC 8945 5.3.2);
//   - an answer of several messages (AXFR, IXFR over TCP) is signed message by message
//     with a Signer (the request's MAC, then each message's MAC, RFC 8945 5.3.1);
//   - a message we send (NOTIFY, SOA poll) is signed with sign() (no prior MAC) and its
//     answer checked with verify_response() (the request's MAC as prior MAC).
// Room: a caller reserves signed_size() (or answer_size()) bytes before it fills a
// message, so that a full, or truncated, message can still be signed.
//
// Message IDs: the MAC covers the message with the TSIG's Original ID in place of the
// header's ID (RFC 8945 4.3.2). sign() writes the message's own ID as the Original ID
// (an answer echoes its request's ID, so that is the request's ID) unless told another;
// verification digests Located::original_id whatever the header holds.
//
// Nothing on the locate, verify and sign paths throws or allocates; the HMAC is OpenSSL
// 3's EVP_MAC, which allocates its own context per message. Building keys and keyrings
// allocates and may throw (configuration time).
//
// Not done here (the caller's job, or not at all): replay protection across messages
// (RFC 8945 5.2.3's SHOULD: remember the last Time Signed per key), unsigned messages
// in the middle of a multi-message stream (we sign every one), GSS-TSIG.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rdnsd::tsig {

constexpr uint16_t kRrType = 250;        // TSIG (RFC 8945 section 4.2)
constexpr uint16_t kClassAny = 255;      // the class of every TSIG RR
constexpr uint16_t kDefaultFudge = 300;  // seconds; what BIND and Knot write
constexpr uint8_t kRcodeNotAuth = 9;     // the RCODE of TSIG error answers (RFC 8945 5.2)
constexpr size_t kMaxMac = 64;           // HMAC-SHA512's output
constexpr size_t kMaxName = 255;         // a wire name, root label included
constexpr size_t kTimeSize = 6;          // Time Signed, and BADTIME's Other Data: 48 bits

// TSIG errors (RFC 8945 section 3 and the IANA "TSIG Error values" registry).
namespace error {
constexpr uint16_t kNone = 0, kBadSig = 16, kBadKey = 17, kBadTime = 18, kBadTrunc = 22;
}  // namespace error

// The algorithms of RFC 8945 section 6 (HMAC-MD5 kept for old peers; GSS-TSIG not).
enum class Algorithm : uint8_t {
  HmacMd5,
  HmacSha1,
  HmacSha224,
  HmacSha256,
  HmacSha384,
  HmacSha512
};

// The algorithm's name as a TSIG RR carries it and the MAC digests it: wire form, lower
// case ("\x0bhmac-sha256\x00"; RFC 8945's "HMAC-MD5.SIG-ALG.REG.INT." is written
// hmac-md5.sig-alg.reg.int., names comparing without case).
std::string_view algorithm_name(Algorithm algorithm) noexcept;
// The hash's output length in octets: the full MAC (16 for MD5 ... 64 for SHA-512).
size_t mac_size(Algorithm algorithm) noexcept;
// The algorithm a wire name (any case) stands for, if one of ours.
std::optional<Algorithm> algorithm_from_wire(const uint8_t* wire_name, size_t len) noexcept;

// One shared key. Build it with make_key(), which fills both forms of the name.
struct Key {
  std::string name_wire;  // wire form, ASCII lower case, uncompressed, root label included
  std::string name;       // the same name as absolute text ("xfr.example.")
  Algorithm algorithm = Algorithm::HmacSha256;
  std::string secret;  // the raw secret octets (the configuration decodes base64)
};

// Builds a Key from an absolute text name ("xfr.example."; a missing final dot is added,
// "." is the root), lower-casing it. No escapes are interpreted: a name with a '\' is
// refused. Throws std::invalid_argument for an empty label, a label over 63 octets or a
// name over 255 octets in wire form.
Key make_key(std::string_view name_text, Algorithm algorithm, std::string secret);

// The keys a server knows, looked up by name. Built once and read-only afterwards (any
// number of threads may call find() on a keyring nobody changes).
class Keyring {
 public:
  // Adds a key; a key of the same name (ignoring case) is replaced. May throw.
  void add(Key key);
  // The key whose wire name equals `wire_name` (uncompressed, `len` octets), ignoring
  // ASCII case; nullptr if none. The pointer stays valid until the keyring changes.
  const Key* find(const uint8_t* wire_name, size_t len) const noexcept;
  bool empty() const noexcept { return keys_.empty(); }
  size_t size() const noexcept { return keys_.size(); }

 private:
  std::vector<Key> keys_;
};

// Where a message's TSIG RR is, and whether it is where RFC 8945 5.2 wants it: the last
// RR of the additional section, and the only TSIG.
enum class Found : uint8_t {
  None,        // the whole message walked (every counted RR), no TSIG in it
  Unparsable,  // the walk failed before any TSIG was seen: the message is malformed
  Ok,          // exactly one TSIG, the last RR of the additional section, fields parsed
  Misplaced,   // a TSIG not last in the additional section, or more than one (FORMERR)
  Malformed,   // the last RR is a TSIG whose RDATA does not parse or overruns (FORMERR)
};

// A message's TSIG RR, as locate() found it. The names are copied (uncompressed, lower
// case); `mac` and `other` point into the message and live as long as it does. Fields
// are set only when found == Found::Ok. Bytes after the TSIG RR are ignored, as the
// answer core ignores bytes after the last counted RR.
//
// TSIG RDATA (RFC 8945 section 4.2), after the RR's owner (key name), TYPE, CLASS, TTL
// and RDLENGTH:
//   Algorithm Name  wire name
//   Time Signed     u48  seconds since the epoch
//   Fudge           u16  seconds of error permitted
//   MAC Size        u16
//   MAC             MAC Size octets
//   Original ID     u16
//   Error           u16
//   Other Len       u16
//   Other Data      Other Len octets
struct Located {
  Found found = Found::None;
  size_t offset = 0;  // the TSIG RR's first octet: the signed message is [0, offset)
  size_t end = 0;     // just past the TSIG RR
  uint8_t key_name[kMaxName];
  size_t key_name_len = 0;
  uint8_t algorithm[kMaxName];
  size_t algorithm_len = 0;
  uint16_t rr_class = 0;  // CLASS and TTL as received: the MAC digests them as sent
  uint32_t ttl = 0;
  uint64_t time_signed = 0;
  uint16_t fudge = 0;
  const uint8_t* mac = nullptr;
  size_t mac_len = 0;
  uint16_t original_id = 0;
  uint16_t error = 0;
  const uint8_t* other = nullptr;
  size_t other_len = 0;

  bool present() const noexcept {
    return found == Found::Ok || found == Found::Misplaced || found == Found::Malformed;
  }
  bool last() const noexcept { return found == Found::Ok; }
  std::span<const uint8_t> key_name_view() const noexcept { return {key_name, key_name_len}; }
  std::span<const uint8_t> algorithm_view() const noexcept { return {algorithm, algorithm_len}; }
};

// Walks the message (header, questions, every counted RR; never trusting a count beyond
// the octets there are, names skipped without following pointers) and parses its TSIG
// RR. The TSIG's own names may be compressed: they are followed backwards only.
Located locate(const uint8_t* msg, size_t len) noexcept;

// What verification decided.
enum class Status : uint8_t {
  None,      // no TSIG: the message is unsigned
  FormErr,   // misplaced, repeated or malformed TSIG; MAC size out of bounds (RFC 8945
             // 5.2.2.1); the message itself unparsable: answer FORMERR, unsigned
  Ok,        // the MAC is good and the time within the fudge
  BadKey,    // unknown key, or an algorithm other than the key's: NOTAUTH, unsigned TSIG
  BadSig,    // the MAC does not verify: NOTAUTH, unsigned TSIG
  BadTime,   // good MAC, time outside Time Signed +- Fudge: NOTAUTH, signed TSIG
  BadTrunc,  // good but truncated MAC, shorter than our policy (the full hash): NOTAUTH,
             // signed TSIG (RFC 8945 5.2.4)
};

struct Verified {
  Status status = Status::None;
  // The key, set exactly when the MAC verified (Ok, BadTime, BadTrunc): the answer is
  // signed with it. Points into the keyring (or is the key verify_response() was given).
  const Key* key = nullptr;
  // The request's MAC as received (truncated if it was): the prior MAC of the answer.
  uint8_t mac[kMaxMac];
  size_t mac_len = 0;
  uint64_t time_signed = 0;
  // The TSIG error the answer carries (error::kNone when Ok). From verify_response():
  // the error the other side reported, when it reported one.
  uint16_t error = error::kNone;
  Located located;  // where and what the TSIG was (its names echo in error answers)

  std::span<const uint8_t> request_mac() const noexcept { return {mac, mac_len}; }
};

// Checks a request against the keys, in RFC 8945 5.2's order: placement (FormErr), key
// known and the algorithm the key's (BadKey), MAC size (5.2.2.1: longer than the hash or
// shorter than max(10, hash/2): FormErr), MAC (BadSig), time: |now - Time Signed| <=
// Fudge (BadTime), then truncation (a shorter MAC than the full hash: BadTrunc). `now`
// is seconds since the epoch.
Verified verify_request(const uint8_t* msg, size_t len, const Keyring& keys, uint64_t now) noexcept;

// Checks a response to a request we signed with `key`: `prior_mac` is that request's MAC
// (the previous message's MAC when `timers_only`: the 2nd.. message of a multi-message
// answer, RFC 8945 5.3.1). Besides verify_request()'s outcomes: an unsigned error
// answer (BADKEY or BADSIG with an empty MAC) is BadKey or BadSig with `error` set; a
// signed one reporting BADTIME is BadTime with `error` == kBadTime (the other side's
// clock is in located.other); a message without TSIG is None.
Verified verify_response(const uint8_t* msg, size_t len, const Key& key,
                         std::span<const uint8_t> prior_mac, uint64_t now,
                         bool timers_only = false) noexcept;

// A MAC just made: the prior MAC of the next message.
struct Mac {
  uint8_t bytes[kMaxMac];
  size_t len = 0;
  std::span<const uint8_t> view() const noexcept { return {bytes, len}; }
};

// What sign() writes and digests.
struct SignSpec {
  const Key* key = nullptr;
  uint64_t time_signed = 0;  // seconds since the epoch; 48 bits on the wire
  uint16_t fudge = kDefaultFudge;
  // Empty: a request we send. Else the request's MAC (an answer, the first message of a
  // multi-message answer) or, with `timers_only`, the previous message's MAC.
  std::span<const uint8_t> prior_mac;
  // The 2nd.. message of a multi-message answer: the MAC covers the prior MAC, the
  // message and Time Signed and Fudge only (RFC 8945 5.3.1). The RR still carries all.
  bool timers_only = false;
  uint16_t error = error::kNone;
  std::span<const uint8_t> other;  // Other Data (BADTIME: the server's time, 6 octets)
  // The Original ID to write and digest; unset: the message's own ID.
  std::optional<uint16_t> original_id;
};

// Appends a TSIG RR signed as `spec` says to the message in buf[0, len) (`cap` octets of
// room in buf) and adds one to ARCOUNT. Returns the new length; 0 when it does not fit,
// there is no key, `len` is shorter than a header, or OpenSSL failed (then buf is as it
// was). `mac_out`, if given, gets the new MAC.
size_t sign(uint8_t* buf, size_t len, size_t cap, const SignSpec& spec,
            Mac* mac_out = nullptr) noexcept;

// Signs the answer to a verified request (status Ok, BadTime or BadTrunc): with the
// request's MAC as prior MAC and its error; a BADTIME answer carries the request's Time
// Signed and our time (`now`) in Other Data, as BIND and Knot answer, so that the client
// can check the answer and see our clock. Returns 0 for the other statuses (an answer
// that must not be signed) and when sign() would.
size_t sign_answer(uint8_t* buf, size_t len, size_t cap, const Verified& request, uint64_t now,
                   Mac* mac_out = nullptr) noexcept;

// Appends the unsigned TSIG RR of a BADKEY or BADSIG answer (RFC 8945 5.3.2): the
// request's key and algorithm names, its Time Signed, our fudge, an empty MAC, `error`.
// Returns the new length, 0 if it does not fit or `request` holds no TSIG.
size_t append_unsigned_error(uint8_t* buf, size_t len, size_t cap, const Located& request,
                             uint16_t error) noexcept;

// Octets a TSIG RR of this key adds to a message (with `other_len` octets of Other Data).
size_t signed_size(const Key& key, size_t other_len = 0) noexcept;
// Octets append_unsigned_error() adds for this request.
size_t unsigned_error_size(const Located& request) noexcept;
// Octets the TSIG RR of the answer to this request takes: signed_size() (with BADTIME's
// Other Data), unsigned_error_size() for BadKey/BadSig, 0 when the answer is unsigned.
size_t answer_size(const Verified& request) noexcept;

// Signs the messages of one multi-message answer in order (RFC 8945 5.3.1): the first
// with the request's MAC and all variables, each later one with the MAC of the one
// before and the timers only. Holds the key by pointer: the key must outlive it.
class Signer {
 public:
  // For the answers to a verified request (request.status == Status::Ok).
  explicit Signer(const Verified& request) noexcept;
  // `request_mac` empty: the first message is a request we send.
  Signer(const Key& key, std::span<const uint8_t> request_mac) noexcept;

  // Signs the next message as sign() would, at time `now`. 0: not signed (no room, no
  // key, OpenSSL failed); the stream is then broken for the peer, so stop.
  size_t sign(uint8_t* buf, size_t len, size_t cap, uint64_t now) noexcept;
  // The MAC of the last message signed (before the first: the request's MAC).
  std::span<const uint8_t> mac() const noexcept { return prior_.view(); }
  size_t signed_messages() const noexcept { return count_; }

 private:
  const Key* key_;
  Mac prior_;
  size_t count_ = 0;
};

}  // namespace rdnsd::tsig
