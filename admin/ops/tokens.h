#pragma once
// HTTP API tokens (docs/HTTP-API.md "Tokens"): what a bearer token is made of, shared
// by the admin ops that make them and the HTTP server that checks them.
//
// A token as a client sends it is "NAME.SECRET": the name finds the stored token, the
// secret (43 characters of base64url, 256 random bits) is checked against the stored
// SHA-256 of it in constant time. Only the hash is ever stored.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rdnsd::admin::tokens {

enum Scope : uint8_t { kRead = 1, kWrite = 2, kAdmin = 4, kMetrics = 8 };

// "read" -> kRead, ...; 0 for an unknown name.
uint8_t scope_bit(std::string_view name);
std::vector<std::string> scope_names(uint8_t scopes);
// 1..64 characters of A-Z a-z 0-9 _ -
bool valid_name(std::string_view name);
// 32 bytes from the kernel's random source, base64url without padding. Throws
// std::runtime_error if the kernel gives none.
std::string new_secret();
std::string hash(std::string_view secret);  // SHA-256, 32 raw bytes
// Whether SHA-256(secret) is `stored` (32 raw bytes), in time independent of the bytes.
bool matches(std::string_view secret, std::string_view stored);
// Splits "NAME.SECRET" at its last dot; false if either part is empty.
bool split(std::string_view token, std::string_view& name, std::string_view& secret);

// "2027-01-31" (00:00 UTC) or "2027-01-31T12:00:00Z" (RFC 3339, UTC or an offset);
// nullopt otherwise.
std::optional<std::time_t> parse_time(std::string_view text);

}  // namespace rdnsd::admin::tokens
