// The answer core's DNS Cookies (RFC 7873, server cookies of RFC 9018) and what the
// response rate limiter asks of an answer: its class, and the slipped form of it.
#include <ctime>
#include <vector>

#include "server/dns/answer.h"

namespace rdnsd::dns {

// Judges the query's COOKIE option (RFC 7873 section 5.2; its length was checked by the
// parser): a client cookie alone, or with a server cookie that is valid when it is our
// version 1 cookie, within its hour (RFC 9018 section 4.3) and hashed with one of the
// secrets we accept. A valid cookie younger than half an hour, made with the current
// secret, is sent back as it came; any other gets a fresh one (made in put_cookie(), only
// if the answer carries it).
void Answerer::check_cookie() noexcept {
  const uint64_t now = config_.clock ? config_.clock() : uint64_t(std::time(nullptr));
  cookie_now_ = uint32_t(now);
  cookie_made_ = false;
  const uint8_t* client = query_.edns.cookie;
  if (query_.edns.cookie_len == cookie::kClientLen) {
    cookie_ = CookieState::ClientOnly;
    return;
  }
  cookie_ = CookieState::Invalid;
  const uint8_t* server = client + cookie::kClientLen;
  if (query_.edns.cookie_len != cookie::kClientLen + cookie::kServerLen) return;
  const uint32_t stamp = cookie::timestamp_of(server);
  if (!cookie::usable(stamp, cookie_now_)) return;
  // Which secret made it: 0 the one that makes cookies now, 1.. an older one, -1 none.
  int made_by = -1;
  const std::vector<cookie::Secret>& configured = config_.cookies.configured;
  if (configured.empty()) {
    const uint64_t epoch = cookie_now_ / cookie::kRotation;
    if (cookie::hash_matches(secret(epoch), client, server, client_))
      made_by = 0;
    else if (epoch > 0 && cookie::hash_matches(secret(epoch - 1), client, server, client_))
      made_by = 1;
  } else {
    for (size_t i = 0; i < configured.size() && made_by < 0; ++i)
      if (cookie::hash_matches(configured[i], client, server, client_)) made_by = int(i);
  }
  if (made_by < 0) return;
  cookie_ = CookieState::Valid;
  // Sent back as it came only when the current secret made it (after a rollover, RFC
  // 9018 Appendix A.4: renewed with the new one), and its reserved octets are clear.
  const bool reserved_clear = server[1] == 0 && server[2] == 0 && server[3] == 0;
  if (made_by == 0 && reserved_clear && !cookie::worn(stamp, cookie_now_)) {
    for (size_t i = 0; i < cookie::kServerLen; ++i) server_cookie_[i] = server[i];
    cookie_made_ = true;
  }
}

// The generated secret of rotation period `epoch`, derived from the master once and kept
// (two periods: the current and the one before).
const cookie::Secret& Answerer::secret(uint64_t epoch) noexcept {
  const size_t slot = epoch & 1;
  if (rotated_epoch_[slot] != epoch) {
    rotated_[slot] = cookie::derive(config_.cookies.master, epoch);
    rotated_epoch_[slot] = epoch;
  }
  return rotated_[slot];
}

// The COOKIE option of the answer: the client cookie echoed and our server cookie, made
// with the secret that makes cookies now (RFC 7873 section 5.2.3).
void Answerer::put_cookie() noexcept {
  const uint8_t* client = query_.edns.cookie;
  if (!cookie_made_) {
    const cookie::Secret& s = config_.cookies.configured.empty()
                                  ? secret(cookie_now_ / cookie::kRotation)
                                  : config_.cookies.configured.front();
    cookie::make(s, client, cookie_now_, client_, server_cookie_);
    cookie_made_ = true;
  }
  WireWriter& w = response_.wire();
  w.u16(ednsopt::kCookie);
  w.u16(uint16_t(cookie::kClientLen + cookie::kServerLen));
  w.bytes(client, cookie::kClientLen);
  w.bytes(server_cookie_, cookie::kServerLen);
}

// RFC 7873 section 5.4: a QUERY with no question and a COOKIE asks for a server cookie.
// NOERROR with one when the query had a client cookie alone or a valid server cookie;
// BADCOOKIE (and a fresh one) when its server cookie was not valid.
void Answerer::answer_cookie_query() noexcept {
  if (cookie_ != CookieState::Invalid) return;
  response_.set_rcode(uint8_t(rcode::kBadCookie & 0x0F));
  ext_rcode_ = uint8_t(rcode::kBadCookie >> 4);
}

Answerer::Outcome Answerer::outcome() const noexcept {
  const std::string_view key = query_.key();
  const uint8_t rc = response_.rcode();
  if (response_.question_end() == kHeaderSize || ext_rcode_ != 0)
    return {AnswerKind::Error, {}, 0, cookie_};
  if (rc == rcode::kNoError) {
    if (response_.count(Section::Answer) > 0 || response_.truncated())
      return {AnswerKind::Normal, key, query_.qtype, cookie_};
    return {AnswerKind::NoData, key.substr(0, zone_.apex_key_len), 0, cookie_};
  }
  if (rc == rcode::kNxDomain)
    return {AnswerKind::NxDomain, key.substr(0, zone_.apex_key_len), 0, cookie_};
  return {AnswerKind::Error, {}, 0, cookie_};
}

size_t Answerer::slip() noexcept {
  if (query_.tsig_at != 0) return 0;
  response_.cut_to_question();
  nsid_out_ = keepalive_out_ = expire_out_ = false;
  if (cookie_out_ && cookie_ != CookieState::Valid) {
    response_.set_rcode(uint8_t(rcode::kBadCookie & 0x0F));
    ext_rcode_ = uint8_t(rcode::kBadCookie >> 4);
  } else {
    response_.set_tc();
  }
  if (edns_out_) put_opt();
  return response_.finish();
}

}  // namespace rdnsd::dns
