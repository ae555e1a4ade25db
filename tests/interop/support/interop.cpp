#include "tests/interop/support/interop.h"

#include <ldns/ldns.h>

#include <memory>
#include <sstream>

namespace rdnsd::interop {
namespace {

const char* const kZones = R"(  - prefix: 192.0.2.0/24
    ns: [ns1.example.net., ns2.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., refresh: {REFRESH}, retry: 1, expire: 600, minimum: 60, ttl: 60 }
    ttl: 60
    records:
      - { ip: 192.0.2.1, name: gw.example.net. }
      - { ip: 192.0.2.10, name: www.example.net. }
  - prefix: "2001:db8::/32"
    ns: [ns1.example.net., ns2.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., refresh: {REFRESH}, retry: 1, expire: 600, minimum: 60, ttl: 60 }
    ttl: 60
    records:
      - { ip: "2001:db8::1", name: gw6.example.net. }
      - { ip: "2001:db8:1:2::5", name: host5.example.net. }
)";

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

}  // namespace

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

e2e::RdnsdOptions rdnsd_options(const Replication& r) {
  std::string zones = kZones;
  replace_all(zones, "{REFRESH}", std::to_string(r.refresh));
  zones += r.more_zones;
  // The replication keys are top-level: they follow the zones list, which the fixture
  // puts last.
  std::ostringstream y;
  if (r.key)
    y << "tsig-keys:\n  - { name: " << r.key->name << ", algorithm: " << r.key->algorithm
      << ", secret: \"" << r.key->secret << "\" }\n";
  y << "zone-defaults:\n";
  if (!r.catalog.empty())
    y << "  ns: [ns1.example.net., ns2.example.net.]\n"
      << "  soa: { mname: ns1.example.net., rname: hostmaster.example.net., refresh: " << r.refresh
      << ", retry: 1, expire: 600, minimum: 60, ttl: 60 }\n";
  if (!r.secondaries.empty()) {
    y << "  secondaries:\n";
    for (uint16_t port : r.secondaries) {
      y << "    - { address: \"127.0.0.1:" << port << "\"";
      if (r.key) y << ", key: " << r.key->name;
      y << " }\n";
    }
  }
  if (r.status_timeout) y << "  status-timeout: " << r.status_timeout << "\n";
  if (!r.allow_transfer.empty()) {
    y << "  allow-transfer:\n";
    for (const auto& a : r.allow_transfer) y << "    - " << a << "\n";
  }
  if (!r.catalog.empty()) y << "catalog:\n  zone: " << r.catalog << "\n";
  e2e::RdnsdOptions o;
  o.zones = zones + y.str();
  return o;
}

SecondaryOptions secondary_options(const Rdnsd& d, const Replication& r) {
  return {{kV4, kV6}, d.port(), r.key, ""};
}

PtrSet exported_ptrs(const Rdnsd& d, const std::string& zone) {
  return parse_ptrs(e2e::must(d.rdnsctl({"export", zone})).out);
}

std::string all_logs(const Rdnsd& d, std::initializer_list<const Secondary*> secondaries) {
  std::string out = d.logs();
  for (const Secondary* s : secondaries) out += s->logs();
  return out;
}

e2e::RunResult kdig_axfr(const Rdnsd& d, const std::string& zone, const std::optional<TsigKey>& key,
                         const std::string& source) {
  std::vector<std::string> argv{"kdig", "@127.0.0.1", "-p", std::to_string(d.port()),
                                "+tcp", "AXFR",       zone};
  if (key) argv.insert(argv.end(), {"-y", key->algorithm + ":" + key->name + ":" + key->secret});
  if (!source.empty()) argv.insert(argv.end(), {"-b", source});
  return e2e::run(argv, {Millis(15000), "", ""});
}

SignedReply signed_request(uint16_t port, const std::string& zone, uint16_t qtype,
                           const TsigKey& key, bool tcp) {
  SignedReply out;
  Pkt query(ldns_pkt_query_new(ldns_dname_new_frm_str(zone.c_str()),
                               static_cast<ldns_rr_type>(qtype), LDNS_RR_CLASS_IN, 0));
  if (!query) throw std::runtime_error("ldns: cannot make a query for " + zone);
  ldns_pkt_set_id(query.get(), 0x7a1c);
  const std::string name = key.name + ".", algorithm = key.algorithm + ".";
  if (ldns_pkt_tsig_sign(query.get(), name.c_str(), key.secret.c_str(), 300, algorithm.c_str(),
                         nullptr) != LDNS_STATUS_OK)
    throw std::runtime_error("ldns: cannot sign with " + key.name);
  uint8_t* wire = nullptr;
  size_t len = 0;
  if (ldns_pkt2wire(&wire, query.get(), &len) != LDNS_STATUS_OK)
    throw std::runtime_error("ldns: cannot write the query");
  e2e::wire::Bytes message(wire, wire + len);
  free(wire);

  std::optional<e2e::wire::Reply> reply;
  if (tcp) {
    e2e::wire::TcpClient c(port);
    reply = c.exchange(message, Millis(3000));
  } else {
    e2e::wire::UdpClient c(port);
    reply = c.exchange(message, Millis(3000));
  }
  if (!reply) return out;
  out.answered = true;
  ldns_pkt* parsed = nullptr;
  if (ldns_wire2pkt(&parsed, reply->bytes.data(), reply->bytes.size()) != LDNS_STATUS_OK) {
    out.rcode = reply->rcode;
    out.text = "(ldns cannot parse the reply)";
    return out;
  }
  Pkt p(parsed);
  out.rcode = ldns_pkt_get_rcode(p.get());
  if (const ldns_rr* tsig = ldns_pkt_tsig(p.get()); tsig && ldns_rr_rd_count(tsig) >= 6) {
    out.has_tsig = true;
    // TSIG RDATA (RFC 8945 section 4.2): algorithm, time signed, fudge, MAC, original
    // ID, error, other data.
    out.tsig_error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
  }
  char* text = ldns_pkt2str(p.get());
  if (text) {
    out.text = text;
    free(text);
  }
  return out;
}

}  // namespace rdnsd::interop
