#include "server/xfr/notifier.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "server/dns/wire.h"
#include "server/xfr/tcp_query.h"
#include "zonestore/names/names.h"
#include "zonestore/names/serial.h"

namespace rdnsd::xfr {
namespace {

using Ms = uint64_t;  // loop time, milliseconds

constexpr uint8_t kOpQuery = 0, kOpNotify = 4, kRcodeRefused = 5;
constexpr uint16_t kTypeSoa = 6;
constexpr Ms kTick = 50;
constexpr Ms kAnswerWait = 1000;  // an unanswered SOA query is given up after this
constexpr Ms kNotifyMaxBackoff = 60000;
constexpr Ms kPollFirst = 100, kPollMax = 2000, kPollLate = 5000, kPollCurrent = 60000;
constexpr size_t kMaxRequest = 512;

bool same_address(const sockaddr_storage& a, const sockaddr* b) {
  if (a.ss_family != b->sa_family) return false;
  if (a.ss_family == AF_INET) {
    auto* x = reinterpret_cast<const sockaddr_in*>(&a);
    auto* y = reinterpret_cast<const sockaddr_in*>(b);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  auto* x = reinterpret_cast<const sockaddr_in6*>(&a);
  auto* y = reinterpret_cast<const sockaddr_in6*>(b);
  return x->sin6_port == y->sin6_port &&
         std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

// The same host, whatever the ports (a transfer comes from a port of its own).
bool same_host(const sockaddr_storage& a, const sockaddr* b) {
  if (a.ss_family != b->sa_family) return false;
  if (a.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&a)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(b)->sin_addr.s_addr;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr,
                     &reinterpret_cast<const sockaddr_in6*>(b)->sin6_addr, 16) == 0;
}

// The serial of the first SOA in the answer section.
std::optional<uint32_t> answer_serial(const uint8_t* msg, size_t len) {
  dns::WireReader r(msg, len);
  r.skip(4);
  const uint16_t qd = r.u16(), an = r.u16();
  r.skip(4);
  for (uint16_t i = 0; i < qd; ++i) {
    if (!r.skip_name()) return std::nullopt;
    r.skip(4);
  }
  for (uint16_t i = 0; i < an && r.ok(); ++i) {
    if (!r.skip_name()) return std::nullopt;
    const uint16_t type = r.u16();
    r.skip(6);
    const uint16_t rdlen = r.u16();
    const size_t end = r.pos() + rdlen;
    if (!r.ok() || end > len) return std::nullopt;
    if (type == kTypeSoa) {
      dns::WireReader s(msg, end);
      s.skip(r.pos());
      if (!s.skip_name() || !s.skip_name()) return std::nullopt;
      const uint32_t serial = s.u32();
      if (!s.ok()) return std::nullopt;
      return serial;
    }
    r.skip(rdlen);
  }
  return std::nullopt;
}

}  // namespace

const ZoneReplication& ReplicationPolicy::for_zone(const std::string& apex) const {
  auto it = zones.find(apex);
  return it != zones.end() ? it->second : defaults;
}

const char* status_name(Status s) {
  switch (s) {
    case Status::Active:
      return "active";
    case Status::Pending:
      return "pending";
    case Status::Error:
      return "error";
  }
  return "?";
}

struct Notifier::Impl {
  struct Peer {
    SecondaryPeer cfg;
    SecondaryState st;
    // NOTIFY
    bool notify_wanted = false, notify_in_flight = false, notify_again = false;
    uint16_t notify_id = 0;
    int notify_attempts = 0;
    Ms notify_deadline = 0;
    std::unique_ptr<RequestSigner> notify_signer;
    // SOA polls, over TCP once the secondary refused or truncated one over UDP
    bool poll_in_flight = false;
    bool poll_tcp = false, poll_sent_tcp = false;
    uint16_t poll_id = 0;
    Ms poll_at = 0, poll_delay = kPollFirst, poll_deadline = 0;
    std::unique_ptr<RequestSigner> poll_signer;
  };
  struct Zone {
    std::string apex, apex_wire;
    uint32_t serial = 0;
    std::chrono::seconds timeout{60};
    std::vector<Peer> peers;
    // The earliest loop time one of its peers has something to do (a NOTIFY or SOA
    // query to send or give up on): the tick skips the zone until then, so thousands of
    // quiet zones cost nothing. Lowered by whatever changes a peer outside step().
    Ms next_due = 0;
  };
  // The NOTIFYs and SOA queries waiting for an answer, by message ID: an answer finds
  // its peer without a walk over every zone.
  struct Outstanding {
    std::string apex;
    size_t peer;
  };
  std::unordered_multimap<uint16_t, Outstanding> outstanding;

  ReplicationPolicy policy;
  SignerFactory signers;
  Log log;
  std::mt19937 rng{std::random_device{}()};

  mutable std::mutex mutex;  // guards everything below, taken by the loop and callers
  std::map<std::string, Zone> zones;
  std::vector<std::pair<std::string, std::optional<uint32_t>>> queued;  // nullopt: removed
  std::optional<ReplicationPolicy> queued_policy;
  bool stopping = false;

  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t tick;
  uv_udp_t udp4, udp6;
  bool have4 = false, have6 = false;
  std::unique_ptr<TcpQueries> tcp;  // SOA polls over TCP
  std::thread thread;
  bool started = false;

  static std::time_t wall() { return std::time(nullptr); }
  Ms now() { return uv_now(&loop); }

  void build_peers(Zone& z, const ZoneReplication& rep) {
    std::vector<Peer> peers;
    for (const SecondaryPeer& s : rep.secondaries) {
      Peer p;
      // A secondary configured before keeps what was learnt of it.
      for (Peer& old : z.peers)
        if (old.cfg.text == s.text && old.cfg.key == s.key) p.st = old.st;
      p.cfg = s;
      p.st.address = s.text;
      p.notify_wanted = true;
      peers.push_back(std::move(p));
    }
    z.peers = std::move(peers);
    z.timeout = rep.status_timeout;
    z.next_due = 0;
  }

  static Ms peer_due(const Peer& p) {
    if (p.notify_wanted) return 0;
    Ms due = p.poll_in_flight ? p.poll_deadline : p.poll_at;
    if (p.notify_in_flight) due = std::min(due, p.notify_deadline);
    return due;
  }

  void forget(uint16_t id, const std::string& apex, size_t peer) {
    auto [from, to] = outstanding.equal_range(id);
    for (auto it = from; it != to; ++it)
      if (it->second.peer == peer && it->second.apex == apex) {
        outstanding.erase(it);
        return;
      }
  }

  void apply_change(const std::string& apex, uint32_t serial) {
    auto [it, fresh] = zones.try_emplace(apex);
    Zone& z = it->second;
    if (fresh) {
      z.apex = apex;
      z.apex_wire = *names::text_to_wire(apex);
      build_peers(z, policy.for_zone(apex));
    }
    z.serial = serial;
    z.next_due = 0;
    for (Peer& p : z.peers) {
      if (p.notify_in_flight)
        p.notify_again = true;
      else
        p.notify_wanted = true;
      if (!p.st.serial || serial::less(*p.st.serial, serial)) {
        if (p.st.behind_since == 0) p.st.behind_since = wall();
      }
    }
  }

  void take_queued() {
    if (queued_policy) {
      policy = std::move(*queued_policy);
      queued_policy.reset();
      outstanding.clear();  // the peers are made anew: nothing of theirs is in flight
      for (auto& [apex, z] : zones) build_peers(z, policy.for_zone(apex));
    }
    for (auto& [apex, serial] : queued) {
      if (serial)
        apply_change(apex, *serial);
      else
        zones.erase(apex);
    }
    queued.clear();
  }

  size_t request(uint8_t* buf, uint16_t id, uint8_t opcode, const Zone& z) {
    std::memset(buf, 0, 12);
    buf[0] = uint8_t(id >> 8);
    buf[1] = uint8_t(id);
    buf[2] = uint8_t(opcode << 3 | (opcode == kOpNotify ? 0x04 : 0));  // NOTIFY: AA
    buf[5] = 1;
    size_t n = 12;
    std::memcpy(buf + n, z.apex_wire.data(), z.apex_wire.size());
    n += z.apex_wire.size();
    buf[n++] = 0;
    buf[n++] = kTypeSoa;
    buf[n++] = 0;
    buf[n++] = 1;
    return n;
  }

  // Sends a NOTIFY or an SOA query to `p`; the signer that signed it is kept to check
  // the answer.
  bool send(Zone& z, Peer& p, uint8_t opcode, uint16_t& id_out,
            std::unique_ptr<RequestSigner>& signer_out) {
    uint8_t buf[kMaxRequest];
    const uint16_t id = uint16_t(rng());
    size_t n = request(buf, id, opcode, z);
    signer_out.reset();
    if (!p.cfg.key.empty()) {
      signer_out = signers ? signers(p.cfg.key) : nullptr;
      if (!signer_out) {
        p.st.error = "no such TSIG key: " + p.cfg.key;
        return false;
      }
      n = signer_out->sign(buf, n, sizeof buf);
      if (n == 0) return false;
    }
    if (opcode == kOpQuery) p.poll_sent_tcp = p.poll_tcp;
    if (opcode == kOpQuery && p.poll_tcp) {
      const int rc = tcp->start(p.cfg.address, buf, n, now() + kAnswerWait,
                                [this](const uint8_t* msg, size_t len, const sockaddr* from) {
                                  on_datagram(msg, len, from);
                                });
      if (rc != 0) {
        p.st.error = std::string("TCP connect: ") + uv_strerror(rc);
        return false;
      }
    } else {
      uv_udp_t* sock = p.cfg.address.ss_family == AF_INET6 ? &udp6 : &udp4;
      if ((sock == &udp6 && !have6) || (sock == &udp4 && !have4)) return false;
      uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(buf), unsigned(n));
      int rc = uv_udp_try_send(sock, &b, 1, reinterpret_cast<const sockaddr*>(&p.cfg.address));
      if (rc < 0) {
        p.st.error = std::string("send: ") + uv_strerror(rc);
        return false;
      }
    }
    const size_t index = size_t(&p - z.peers.data());
    forget(id_out, z.apex, index);  // the request this one replaces, if any
    outstanding.emplace(id, Outstanding{z.apex, index});
    id_out = id;
    return true;
  }

  void step(Zone& z, Peer& p, Ms t) {
    // NOTIFY: one in flight; resent with backoff until answered.
    if (p.notify_wanted && !p.notify_in_flight) {
      p.notify_wanted = false;
      p.notify_attempts = 0;
      p.notify_in_flight = true;
      send(z, p, kOpNotify, p.notify_id, p.notify_signer);
      p.notify_deadline = t + kAnswerWait;
    } else if (p.notify_in_flight && t >= p.notify_deadline) {
      ++p.notify_attempts;
      if (p.notify_attempts == 3)
        log(logging::Level::Warning,
            "NOTIFY of " + z.apex + " serial " + std::to_string(z.serial) + " to " + p.cfg.text +
                ": no answer yet, retrying with backoff",
            {});
      send(z, p, kOpNotify, p.notify_id, p.notify_signer);
      p.notify_deadline =
          t + std::min<Ms>(kAnswerWait << std::min(p.notify_attempts, 6), kNotifyMaxBackoff);
    }
    // SOA polls while it is behind (and now and then when it is not).
    if (p.poll_in_flight && t >= p.poll_deadline) {
      p.poll_in_flight = false;
      p.st.error = "no answer to the SOA query";
    }
    if (!p.poll_in_flight && t >= p.poll_at) {
      if (send(z, p, kOpQuery, p.poll_id, p.poll_signer)) {
        p.poll_in_flight = true;
        p.poll_deadline = t + kAnswerWait;
      }
      const bool behind = !p.st.serial || serial::less(*p.st.serial, z.serial);
      const bool late = p.st.behind_since != 0 && wall() - p.st.behind_since > z.timeout.count();
      p.poll_at = t + (behind ? (late ? kPollLate : p.poll_delay) : kPollCurrent);
      if (behind) p.poll_delay = std::min(p.poll_delay * 2, kPollMax);
    }
  }

  void on_tick() {
    std::lock_guard<std::mutex> lock(mutex);
    take_queued();
    const Ms t = now();
    tcp->expire(t);
    for (auto& [apex, z] : zones) {
      if (z.next_due > t) continue;
      z.next_due = UINT64_MAX;
      for (Peer& p : z.peers) {
        step(z, p, t);
        z.next_due = std::min(z.next_due, peer_due(p));
      }
    }
  }

  void on_datagram(const uint8_t* msg, size_t len, const sockaddr* from) {
    if (len < 12 || (msg[2] & 0x80) == 0) return;
    const uint16_t id = uint16_t(msg[0] << 8 | msg[1]);
    const uint8_t opcode = (msg[2] >> 3) & 0x0F, rcode = msg[3] & 0x0F;
    std::lock_guard<std::mutex> lock(mutex);
    const Ms t = now();
    auto [from_it, to_it] = outstanding.equal_range(id);
    for (auto it = from_it; it != to_it; ++it) {
      auto zit = zones.find(it->second.apex);
      if (zit == zones.end() || it->second.peer >= zit->second.peers.size()) continue;
      Zone& z = zit->second;
      Peer& p = z.peers[it->second.peer];
      if (!same_address(p.cfg.address, from)) continue;
      const bool handled = answered(z, p, msg, len, opcode, rcode, id, t);
      if (!handled) continue;
      outstanding.erase(it);
      // A NOTIFY owed for changes made while this one was in flight goes now, not at
      // the next tick.
      if (p.notify_wanted) step(z, p, t);
      z.next_due = std::min(z.next_due, peer_due(p));
      return;
    }
  }

  // The answer `msg` to the NOTIFY or SOA query `id` of `p`; false if it is neither.
  bool answered(Zone& z, Peer& p, const uint8_t* msg, size_t len, uint8_t opcode, uint8_t rcode,
                uint16_t id, Ms t) {
    if (opcode == kOpNotify && p.notify_in_flight && id == p.notify_id) {
      if (p.notify_signer && !p.notify_signer->verify(msg, len)) {
        p.st.error = "NOTIFY answer with a bad TSIG signature";
        return true;
      }
      p.notify_in_flight = false;
      if (rcode != 0)
        p.st.error = "NOTIFY answered with rcode " + std::to_string(rcode);
      else
        p.st.notified = wall();
      if (p.notify_again) {
        p.notify_again = false;
        p.notify_wanted = true;
      }
      // It transfers now: look soon.
      p.poll_delay = kPollFirst;
      p.poll_at = std::min(p.poll_at, t + kPollFirst);
      return true;
    }
    if (opcode == kOpQuery && p.poll_in_flight && id == p.poll_id) {
      p.poll_in_flight = false;
      const bool truncated = (msg[2] & 0x02) != 0;
      if ((truncated || rcode == kRcodeRefused) && !p.poll_sent_tcp) {
        // knotd answers the catalog zones it interprets over TCP only (REFUSED over
        // UDP, unsigned); a truncated answer is asked again over TCP (RFC 1035 4.2.1).
        // Either says nothing of the serial, so a forged one costs a TCP query at most.
        p.poll_tcp = true;
        p.poll_at = t;
        return true;
      }
      if (p.poll_signer && !p.poll_signer->verify(msg, len)) {
        p.st.error = std::string("SOA answer with a bad TSIG signature (over ") +
                     (p.poll_sent_tcp ? "TCP" : "UDP") + ", rcode " + std::to_string(rcode) + ")";
        return true;
      }
      if (rcode == kRcodeRefused && p.poll_sent_tcp) p.poll_tcp = false;  // refused both ways
      auto serial = rcode == 0 && !truncated ? answer_serial(msg, len) : std::nullopt;
      if (!serial) {
        p.st.error = "SOA query answered without an SOA (rcode " + std::to_string(rcode) + ")";
        return true;
      }
      p.st.serial = *serial;
      p.st.answered = wall();
      p.st.error.clear();
      if (!serial::less(*serial, z.serial)) {
        p.st.behind_since = 0;
        p.poll_delay = kPollFirst;
        p.poll_at = t + kPollCurrent;
      } else if (p.st.behind_since == 0) {
        p.st.behind_since = wall();
      }
      return true;
    }
    return false;
  }

  bool open_socket(uv_udp_t& sock, const char* any, int family) {
    sockaddr_storage ss{};
    if (family == AF_INET)
      uv_ip4_addr(any, 0, reinterpret_cast<sockaddr_in*>(&ss));
    else
      uv_ip6_addr(any, 0, reinterpret_cast<sockaddr_in6*>(&ss));
    uv_udp_init(&loop, &sock);
    sock.data = this;
    if (uv_udp_bind(&sock, reinterpret_cast<const sockaddr*>(&ss),
                    family == AF_INET6 ? UV_UDP_IPV6ONLY : 0) != 0)
      return false;
    uv_udp_recv_start(
        &sock,
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
          static thread_local char space[65536];
          *buf = uv_buf_init(space, sizeof space);
        },
        [](uv_udp_t* s, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned) {
          if (n > 0 && from)
            static_cast<Impl*>(s->data)->on_datagram(reinterpret_cast<uint8_t*>(buf->base),
                                                     size_t(n), from);
        });
    return true;
  }
};

Notifier::Notifier(ReplicationPolicy policy, SignerFactory signers, Log log)
    : impl_(std::make_unique<Impl>()) {
  impl_->policy = std::move(policy);
  impl_->signers = std::move(signers);
  impl_->log = std::move(log);
}

Notifier::~Notifier() {
  stop();
}

void Notifier::start(const std::vector<std::pair<std::string, uint32_t>>& zones) {
  Impl& m = *impl_;
  uv_loop_init(&m.loop);
  m.tcp = std::make_unique<TcpQueries>(&m.loop);
  m.have4 = m.open_socket(m.udp4, "0.0.0.0", AF_INET);
  m.have6 = m.open_socket(m.udp6, "::", AF_INET6);
  if (!m.have4 && !m.have6) {
    uv_close(reinterpret_cast<uv_handle_t*>(&m.udp4), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&m.udp6), nullptr);
    uv_run(&m.loop, UV_RUN_DEFAULT);
    uv_loop_close(&m.loop);
    throw std::runtime_error("NOTIFY: cannot open a UDP socket");
  }
  uv_async_init(&m.loop, &m.wake, [](uv_async_t* a) {
    auto* impl = static_cast<Impl*>(a->data);
    bool stop;
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      stop = impl->stopping;
    }
    if (stop) {
      uv_walk(
          &impl->loop,
          [](uv_handle_t* h, void*) {
            if (!uv_is_closing(h)) uv_close(h, nullptr);
          },
          nullptr);
      return;
    }
    impl->on_tick();
  });
  m.wake.data = &m;
  uv_timer_init(&m.loop, &m.tick);
  m.tick.data = &m;
  uv_timer_start(
      &m.tick, [](uv_timer_t* t) { static_cast<Impl*>(t->data)->on_tick(); }, kTick, kTick);
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    for (const auto& [apex, serial] : zones) m.queued.emplace_back(apex, serial);
  }
  m.started = true;
  m.thread = std::thread([&m] {
    uv_run(&m.loop, UV_RUN_DEFAULT);
    uv_loop_close(&m.loop);
    m.tcp.reset();  // after the loop: frees the queries the stop walk closed
  });
  uv_async_send(&m.wake);
}

void Notifier::stop() {
  Impl& m = *impl_;
  if (!m.started) return;
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    m.stopping = true;
  }
  uv_async_send(&m.wake);
  m.thread.join();
  m.started = false;
}

void Notifier::changed(const std::string& apex, uint32_t serial) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->queued.emplace_back(apex, serial);
  }
  if (impl_->started) uv_async_send(&impl_->wake);
}

void Notifier::removed(const std::string& apex) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->queued.emplace_back(apex, std::nullopt);
  }
  if (impl_->started) uv_async_send(&impl_->wake);
}

void Notifier::set_signers(SignerFactory signers) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->signers = std::move(signers);
}

void Notifier::set_policy(ReplicationPolicy policy) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->queued_policy = std::move(policy);
  }
  if (impl_->started) uv_async_send(&impl_->wake);
}

Status Notifier::status(const std::string& apex, uint32_t serial, std::time_t when,
                        std::time_t now) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->zones.find(apex);
  const ZoneReplication& rep = impl_->policy.for_zone(apex);
  if (it == impl_->zones.end()) return rep.secondaries.empty() ? Status::Active : Status::Pending;
  const Impl::Zone& z = it->second;
  Status worst = Status::Active;
  for (const Impl::Peer& p : z.peers) {
    if (p.st.serial && !serial::less(*p.st.serial, serial)) continue;
    if (now - when > z.timeout.count()) return Status::Error;
    worst = Status::Pending;
  }
  return worst;
}

void Notifier::transferred(const std::string& apex, const sockaddr* peer, const std::string& kind,
                           uint32_t serial) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->zones.find(apex);
  if (it == impl_->zones.end()) return;
  for (Impl::Peer& p : it->second.peers) {
    if (!same_host(p.cfg.address, peer)) continue;
    p.st.transfer = kind;
    p.st.transfer_serial = serial;
    p.st.transferred = std::time(nullptr);
    // It has the serial now or soon: look.
    p.poll_delay = kPollFirst;
    p.poll_at = 0;
    it->second.next_due = 0;
  }
}

Status Notifier::zone_status(const std::string& apex, std::time_t now) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->zones.find(apex);
  if (it == impl_->zones.end())
    return impl_->policy.for_zone(apex).secondaries.empty() ? Status::Active : Status::Pending;
  const Impl::Zone& z = it->second;
  Status worst = Status::Active;
  for (const Impl::Peer& p : z.peers) {
    if (p.st.serial && !serial::less(*p.st.serial, z.serial)) continue;
    if (p.st.behind_since != 0 && now - p.st.behind_since > z.timeout.count()) return Status::Error;
    worst = Status::Pending;
  }
  return worst;
}

std::vector<SecondaryState> Notifier::secondaries(const std::string& apex) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<SecondaryState> out;
  auto it = impl_->zones.find(apex);
  if (it != impl_->zones.end())
    for (const Impl::Peer& p : it->second.peers) out.push_back(p.st);
  return out;
}

}  // namespace rdnsd::xfr
