// Judging forward confirmation from a name's A and AAAA records (fcrdns.h).
#include "admin/ops/fcrdns.h"

#include <algorithm>

namespace rdnsd::fcrdns {

const char* state_name(State s) {
  switch (s) {
    case State::Confirmed:
      return "confirmed";
    case State::Unconfirmed:
      return "unconfirmed";
    default:
      return "unresolvable";
  }
}

std::string join_addresses(const std::vector<names::IpAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + names::format_ip(a);
  return out;
}

// Only the record type of the address's family can confirm it (A for IPv4, AAAA for
// IPv6); both are named in the reason so that a name with only the other family's
// records explains itself.
Verdict judge(const names::IpAddress& address, const std::string& target, const Forward& f) {
  using Status = Answer::Status;
  const Answer& own = address.family == 4 ? f.a : f.aaaa;
  std::vector<names::IpAddress> all = f.a.addresses;
  all.insert(all.end(), f.aaaa.addresses.begin(), f.aaaa.addresses.end());
  const std::string ip = names::format_ip(address);
  if (std::find(own.addresses.begin(), own.addresses.end(), address) != own.addresses.end())
    return {State::Confirmed, target + " resolves to " + join_addresses(all)};
  if (own.status == Status::Failed)
    return {State::Unresolvable, "cannot resolve " + target + ": " + own.error};
  if (f.a.status == Status::NoName && f.aaaa.status == Status::NoName)
    return {State::Unresolvable, target + " does not resolve (NXDOMAIN)"};
  if (all.empty())
    return {State::Unresolvable, target + " does not resolve (it has no A or AAAA records)"};
  return {State::Unconfirmed, target + " resolves to " + join_addresses(all) + ", not to " + ip};
}

}  // namespace rdnsd::fcrdns
