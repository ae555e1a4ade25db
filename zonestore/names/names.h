#pragma once
// Domain names and reverse-name math, with no I/O.
//
// Three forms of a name appear in rdnsd:
//  - text:  "2.2.0.192.in-addr.arpa." (always absolute, with the trailing dot);
//  - wire:  RFC 1035 section 3.1 label sequence, "\x01" "2" ... "\x00";
//  - key:   the store's lookup key: the wire labels in REVERSE order, each as
//           <len><bytes>, ASCII lower-cased, without the root label. Every name below
//           a node has that node's key as a prefix, so a subtree is one contiguous
//           range of LMDB keys ("is this an empty non-terminal?" is one cursor seek).
//
// Functions here never throw; failures come back as std::nullopt or false, with a
// human-readable reason where the caller needs one.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rdnsd::names {

constexpr size_t kMaxWireName = 255;
constexpr size_t kMaxLabel = 63;

// An IPv4 or IPv6 address; IPv4 uses the first 4 bytes.
struct IpAddress {
  uint8_t family = 0;  // 4 or 6
  std::array<uint8_t, 16> bytes{};

  size_t size() const { return family == 4 ? 4 : 16; }
  bool operator==(const IpAddress&) const = default;
};

// An address prefix (CIDR): the address has every bit past `length` cleared.
struct Prefix {
  IpAddress addr;
  unsigned length = 0;

  bool operator==(const Prefix&) const = default;
};

// Parses "192.0.2.1" or "2001:db8::1" (no zone index, no brackets).
std::optional<IpAddress> parse_ip(std::string_view text);
// Canonical text: dotted quad, or RFC 5952 IPv6.
std::string format_ip(const IpAddress& addr);

// Parses "192.0.2.0/24" or "2001:db8::/32". Host bits must be zero; on failure `why`
// gets the reason.
std::optional<Prefix> parse_prefix(std::string_view text, std::string* why = nullptr);
std::string format_prefix(const Prefix& prefix);
bool prefix_contains(const Prefix& prefix, const IpAddress& addr);
// True if the two prefixes share any address.
bool prefixes_overlap(const Prefix& a, const Prefix& b);

// "2.2.0.192.in-addr.arpa." / "1.0.0.0....8.b.d.0.1.0.0.2.ip6.arpa."
std::string reverse_name(const IpAddress& addr);
// Inverse of reverse_name for a full-length owner name (case-insensitive, trailing
// dot optional).
std::optional<IpAddress> address_from_reverse(std::string_view name);
// Zone apex of a prefix. IPv4 lengths must be 8, 16 or 24 (octet boundaries), IPv6
// lengths multiples of 4 from 4 to 124 (nibbles). Others fail with the reason in `why`.
std::optional<std::string> zone_apex(const Prefix& prefix, std::string* why = nullptr);
// The prefix a reverse zone apex stands for ("2.0.192.in-addr.arpa." -> 192.0.2.0/24).
std::optional<Prefix> prefix_from_apex(std::string_view apex);

// Text name -> wire. Accepts a trailing dot or not (always made absolute); supports
// \DDD and \X escapes. Fails on empty labels, labels over 63 octets, names over 255.
std::optional<std::string> text_to_wire(std::string_view text, std::string* why = nullptr);
// Wire -> text with the trailing dot; escapes non-printable octets as \DDD.
std::string wire_to_text(std::string_view wire);
// Wire -> key (see above). The wire name must be well formed.
std::string wire_to_key(std::string_view wire);
// Key -> wire (lower-cased).
std::string key_to_wire(std::string_view key);

// The address form of a reverse name, as the `ptr` database keys its records: the family
// (4 or 6) and then the address bytes (4 or 16), with `units` = how many of its octets
// (IPv4) or nibbles (IPv6) the name gives, from the most significant one; the rest are
// zero. "2.0.192.in-addr.arpa." is {4, 192.0.2.0, units 3}; a full owner name has every
// unit (4 or 32) and its key is exactly the record's `ptr` key. Every address that
// starts with a name's units lies in one contiguous range of `ptr` keys from `bytes`.
struct AddressKey {
  uint8_t bytes[17];  // family, then the address
  uint8_t size = 0;   // 5 or 17
  uint8_t units = 0;  // octets or nibbles given
  uint8_t full = 0;   // 4 or 32
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes), size}; }
};
// Parses a name's key (see above; lower case) into its address form. False if the name is
// not in-addr.arpa or ip6.arpa or below them, a label is not a canonical octet (0-255
// without leading zeros) or a single hex digit, or there are too many labels: such a
// name can never hold a record nor have one below it. Does not allocate.
bool key_to_address_key(std::string_view key, AddressKey& out) noexcept;
// The key of the reverse (owner) name of `addr`, written to `out`, which has room for
// kMaxOwnerKey bytes; returns its length. The inverse of key_to_address_key for a full
// owner name. Does not allocate.
inline constexpr size_t kMaxOwnerKey = 5 + 4 + 32 * 2;  // "arpa", "ip6", 32 nibbles
size_t owner_key(const IpAddress& addr, char* out) noexcept;
// True if the stored `ptr` key `stored` starts with the units of `name` (it is the
// address of a record at or below that name).
bool address_key_covers(const AddressKey& name, std::string_view stored) noexcept;

// RFC 1123 host name (letters, digits, hyphens; labels not starting or ending with a
// hyphen; at least one label). A trailing dot is accepted. On failure `why` says which
// label is wrong and how.
bool is_hostname(std::string_view text, std::string* why = nullptr);
// Returns the hostname made absolute ("mail.example.com" -> "mail.example.com.") and
// lower-case-preserving; std::nullopt (with `why`) if it is not a valid host name.
std::optional<std::string> normalize_hostname(std::string_view text, std::string* why = nullptr);

}  // namespace rdnsd::names
