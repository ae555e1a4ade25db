#pragma once
// Private to the conf library: a strict base64 decoder for TSIG secrets.
#include <optional>
#include <string>
#include <string_view>

namespace rdnsd::conf::detail {

// Decodes RFC 4648 section 4 base64 (the standard alphabet, with padding). Strict, so
// that a secret mistyped or cut short is refused rather than silently shortened: the
// length is a multiple of 4, '=' appears only as the last one or two characters, the
// bits that padding leaves over are zero (section 3.5), and there is no whitespace. The
// empty text decodes to nothing. std::nullopt on failure, with the reason in `why`.
std::optional<std::string> decode_base64(std::string_view text, std::string* why = nullptr);

}  // namespace rdnsd::conf::detail
