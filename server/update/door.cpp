#include "server/update/door.h"
#include "server/dns/query.h"

#include <cstring>

#include <ctime>

namespace rdnsd::update {

// One UPDATE in flight: its bytes (the TSIG's views point into them), what its TSIG
// check found, and where its answer goes.
struct Door::Request {
  std::vector<uint8_t> message;
  tsig::Verified verified;
  std::shared_ptr<const tsig::Keyring> keys;  // holds verified.key
  size_t zone_end = 0;
  names::IpAddress peer;
  std::string who;  // "from ADDRESS [key NAME]", for the log
  std::string zone;
  Send send;
};

namespace {

// Room for a header, a zone RR (a name of at most 255 octets) and a TSIG RR (two names,
// a 64-octet MAC, BADTIME's 6 octets of other data).
constexpr size_t kAnswerRoom = 1024;

const char* tsig_error_name(tsig::Status s) {
  switch (s) {
    case tsig::Status::BadKey:
      return "BADKEY";
    case tsig::Status::BadSig:
      return "BADSIG";
    case tsig::Status::BadTime:
      return "BADTIME";
    case tsig::Status::BadTrunc:
      return "BADTRUNC";
    default:
      return "?";
  }
}

}  // namespace

const std::vector<Rule>& Policy::rules_for(const std::string& apex) const {
  auto it = zones.find(apex);
  return it != zones.end() ? it->second : defaults;
}

bool allowed(const std::vector<Rule>& rules, const names::IpAddress& address,
             const std::string& key) {
  for (const Rule& rule : rules) {
    if (rule.from && !names::prefix_contains(*rule.from, address)) continue;
    if (!rule.key.empty() && rule.key != key) continue;
    return true;
  }
  return false;
}

Door::Door(const zonestore::Store& store, Policy policy, std::shared_ptr<const tsig::Keyring> keys,
           Writer writer, Log log)
    : store_(store),
      keys_(keys ? std::move(keys) : std::make_shared<const tsig::Keyring>()),
      writer_(std::move(writer)),
      log_(std::move(log)),
      policy_(std::make_shared<const Policy>(std::move(policy))) {}

void Door::set_policy(Policy policy) {
  auto p = std::make_shared<const Policy>(std::move(policy));
  std::lock_guard lock(policy_mutex_);
  policy_ = std::move(p);
}

uint64_t Door::now() const {
  return clock ? clock() : uint64_t(std::time(nullptr));
}

void Door::handle(const uint8_t* msg, size_t len, const names::IpAddress& peer, Send send) {
  auto r = std::make_shared<Request>();
  r->message.assign(msg, msg + len);
  r->keys = keys_;
  r->peer = peer;
  r->send = std::move(send);
  r->who = "from " + names::format_ip(peer);
  const uint8_t* m = r->message.data();
  // RFC 8945 5.2: the TSIG is checked before anything else is decided.
  r->verified = tsig::verify_request(m, len, *r->keys, now());
  Parsed parsed = parse(m, len);
  r->zone_end = parsed.zone_end;
  r->zone = parsed.plan.zone.empty() ? "?" : parsed.plan.zone;
  switch (r->verified.status) {
    case tsig::Status::None:
      break;
    case tsig::Status::Ok:
      r->who += " key " + r->verified.key->name;
      break;
    case tsig::Status::FormErr:
      return answer(*r, {Rcode::FormErr, "malformed TSIG"});
    default:
      return answer(*r,
                    {Rcode::NotAuth, std::string("TSIG ") + tsig_error_name(r->verified.status)});
  }
  if (parsed.rcode != Rcode::NoError) return answer(*r, {parsed.rcode, parsed.reason});
  std::optional<zonestore::Zone> zone;
  try {
    zone = store_.zone(parsed.plan.zone);
  } catch (const std::exception& e) {
    return answer(*r, {Rcode::ServFail, std::string("reading the zones: ") + e.what()});
  }
  if (!zone || !zone->served || zone->apex != parsed.plan.zone)
    return answer(*r, {Rcode::NotAuth, "not a zone served here"});
  const std::string key = r->verified.status == tsig::Status::Ok ? r->verified.key->name : "";
  std::shared_ptr<const Policy> policy;
  {
    std::lock_guard lock(policy_mutex_);
    policy = policy_;
  }
  if (!allowed(policy->rules_for(zone->apex), peer, key))
    return answer(*r, {Rcode::Refused, "not allowed by allow-update"});
  if (!writer_) return answer(*r, {Rcode::ServFail, "no writer"});
  // The actor recorded with the records: the key's name without its final dot, else the
  // address.
  parsed.plan.actor =
      "update:" + (key.empty() ? names::format_ip(peer) : key.substr(0, key.size() - 1));
  auto self = shared_from_this();
  writer_(std::move(parsed.plan),
          [self, r](Outcome outcome) { self->answer(*r, std::move(outcome)); });
}

// Logs a failure, makes the answer (signed when the request was) and sends it.
void Door::answer(Request& r, Outcome outcome) const {
  if (outcome.rcode != Rcode::NoError && log_)
    log_(logging::Level::Warning,
         "UPDATE of " + r.zone + " " + r.who + ": " + rcode_name(outcome.rcode) +
             (outcome.reason.empty() ? "" : " (" + outcome.reason + ")"),
         {});
  uint8_t out[kAnswerRoom];
  size_t n = write_answer(r.message.data(), r.zone_end, outcome.rcode, out, sizeof out);
  if (n == 0) return;
  // RFC 6891 section 6.1.1: a request with an OPT RR gets one back (ours: 1232 octets,
  // version 0, no options), before the TSIG, which must stay last.
  dns::Query q;
  const dns::ParseResult parsed = dns::parse_query(r.message.data(), r.message.size(), q);
  if (parsed == dns::ParseResult::Ok && q.edns.present && n + 11 <= sizeof out) {
    static const uint8_t kOpt[11] = {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};
    std::memcpy(out + n, kOpt, sizeof kOpt);
    n += sizeof kOpt;
    out[11] = 1;  // ARCOUNT
  }
  switch (r.verified.status) {
    case tsig::Status::Ok:
    case tsig::Status::BadTime:
    case tsig::Status::BadTrunc:
      n = tsig::sign_answer(out, n, sizeof out, r.verified, now());
      break;
    case tsig::Status::BadKey:
    case tsig::Status::BadSig:
      n = tsig::append_unsigned_error(out, n, sizeof out, r.verified.located, r.verified.error);
      break;
    case tsig::Status::None:
    case tsig::Status::FormErr:
      break;
  }
  if (n != 0 && r.send) r.send(out, n);
}

}  // namespace rdnsd::update
