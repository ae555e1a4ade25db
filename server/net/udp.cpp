// UDP, on the worker's UDP thread: drain each socket in recvmmsg batches, answer each
// datagram into the thread's preallocated buffers under one read snapshot, and send the
// batch with sendmmsg. Nothing here allocates.
//
// The thread sleeps in poll() only when every socket is empty, so while it is busy no
// one waits on its sockets. With a waiter (an epoll registration, as a libuv poll
// handle keeps), every datagram sent or received runs that waiter's callback under the
// socket's wait-queue lock, which the receiving and the sending CPU then both take: on
// loopback that was 7.7% of a busy worker's CPU time (perf).
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "server/net/worker.h"

namespace rdnsd::server {

namespace {

constexpr int kRoundsPerTurn = 16;  // batches from one socket before the next one's turn

// Copies the query's destination address (packet info) into the reply's control data,
// so a reply from a wildcard socket leaves from the address the query was sent to.
size_t reply_control(msghdr& query, char* out, size_t cap) {
  size_t used = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&query); c; c = CMSG_NXTHDR(&query, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        cap >= CMSG_SPACE(sizeof(in_pktinfo))) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi_spec_dst = info.ipi_addr;
      info.ipi_ifindex = 0;
      auto* r = reinterpret_cast<cmsghdr*>(out);
      r->cmsg_level = IPPROTO_IP;
      r->cmsg_type = IP_PKTINFO;
      r->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(r), &info, sizeof info);
      used = CMSG_SPACE(sizeof info);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               cap >= CMSG_SPACE(sizeof(in6_pktinfo))) {
      auto* r = reinterpret_cast<cmsghdr*>(out);
      r->cmsg_level = IPPROTO_IPV6;
      r->cmsg_type = IPV6_PKTINFO;
      r->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      std::memcpy(CMSG_DATA(r), CMSG_DATA(c), sizeof(in6_pktinfo));
      used = CMSG_SPACE(sizeof(in6_pktinfo));
    }
  }
  return used;
}

// The address of a peer (no port); family 0 when it is neither IPv4 nor IPv6.
names::IpAddress peer_address(const sockaddr_storage& ss) {
  names::IpAddress a;
  if (ss.ss_family == AF_INET) {
    a.family = 4;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    a.family = 6;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, 16);
  }
  return a;
}

// The peer's address bytes in its sockaddr, for cookies and the rate limiter: an
// IPv4-mapped IPv6 address is its IPv4 address.
dns::ClientIp client_ip(const sockaddr_storage& ss) noexcept {
  if (ss.ss_family == AF_INET)
    return {reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in&>(ss).sin_addr),
            4};
  if (ss.ss_family != AF_INET6) return {};
  const auto* a =
      reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(a, kMapped, sizeof kMapped) == 0) return {a + 12, 4};
  return {a, 16};
}

// A monotonic clock in milliseconds, for the rate limiter: the coarse one (a few ms of
// resolution, read without a system call), once per batch.
uint64_t now_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

// Where a UDP UPDATE's answer goes, kept until the writer answers.
struct UdpReturn {
  int fd;
  sockaddr_storage peer;
  socklen_t peer_len;
  std::array<char, 64> control;
  size_t control_len;
};

}  // namespace

// An UPDATE is not answered in this batch: the door answers a refusal at once and a
// plan once the writer has committed it, each with its own sendmsg (from this thread or
// the writer's; the link's lock keeps it off a socket being closed).
void Worker::udp_update(UdpSocket& sock, msghdr& query, const uint8_t* msg, size_t len) {
  auto back = std::make_shared<UdpReturn>();
  back->fd = sock.fd;
  std::memcpy(&back->peer, query.msg_name, query.msg_namelen);
  back->peer_len = query.msg_namelen;
  back->control_len =
      sock.pktinfo ? reply_control(query, back->control.data(), back->control.size()) : 0;
  std::shared_ptr<UpdateLink> link = update_link_;
  options_.updates->handle(msg, len, peer_address(back->peer),
                           [link, back](const uint8_t* answer, size_t n) {
                             iovec iov{const_cast<uint8_t*>(answer), n};
                             msghdr h{};
                             h.msg_name = &back->peer;
                             h.msg_namelen = back->peer_len;
                             h.msg_iov = &iov;
                             h.msg_iovlen = 1;
                             if (back->control_len > 0) {
                               h.msg_control = back->control.data();
                               h.msg_controllen = back->control_len;
                             }
                             std::lock_guard lock(link->mutex);
                             if (!link->closed) sendmsg(back->fd, &h, MSG_DONTWAIT);
                           });
}

void Worker::run_udp() {
  pthread_setname_np(pthread_self(), "rdnsd-udp");
  std::vector<pollfd> fds{{udp_stop_fd_, POLLIN, 0}};
  for (const UdpSocket& sock : udp_) fds.push_back({sock.fd, POLLIN, 0});
  // stop() sets the flag (seen between turns, even while queries keep arriving) and
  // signals the eventfd (which wakes the poll()).
  while (!udp_stopping_.load(std::memory_order_relaxed)) {
    bool busy = false;
    for (UdpSocket& sock : udp_) busy |= drain_udp(sock);
    if (busy) continue;
    int rc = poll(fds.data(), fds.size(), -1);
    if (rc > 0 && fds[0].revents != 0) return;
  }
}

bool Worker::drain_udp(UdpSocket& sock) {
  for (int round = 0; round < kRoundsPerTurn; ++round) {
    int n = receive_udp(sock);
    if (n <= 0) return round > 0;  // EAGAIN: drained; other errors: the next turn retries
    int out = 0;
    if (udp_source_.begin()) {
      prefetch_udp(n);
      out = answer_udp(sock, n);
    }
    udp_source_.end();
    send_udp(sock, out);
    // A short batch drained the socket, but under load more queries arrive while it is
    // answered: the next round reads them without a poll.
  }
  return true;
}

// One recvmmsg batch into the receive slots; the datagram count, or <= 0.
int Worker::receive_udp(UdpSocket& sock) {
  for (int i = 0; i < kBatch; ++i) {
    riov_[i] = {rx_.data() + size_t(i) * kRxSize, kRxSize};
    msghdr& h = rmsgs_[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &peers_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &riov_[i];
    h.msg_iovlen = 1;
    if (sock.pktinfo) {
      h.msg_control = rctl_[i].data();
      h.msg_controllen = rctl_[i].size();
    }
  }
  return recvmmsg(sock.fd, rmsgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
}

// The batch's record lookups first, all together (their memory misses overlap).
void Worker::prefetch_udp(int n) {
  for (int i = 0; i < n; ++i) {
    names::AddressKey& k = keys_[size_t(i)];
    wanted_[size_t(i)] =
        (rmsgs_[i].msg_hdr.msg_flags & MSG_TRUNC) == 0 &&
        dns::peek_question(rx_.data() + size_t(i) * kRxSize, rmsgs_[i].msg_len, peek_) &&
        names::key_to_address_key(peek_.key(), k) && k.units == k.full;
  }
  udp_source_.prefetch(keys_.data(), wanted_.data(), size_t(n));
}

// Answers the n received datagrams into the send slots; the number of replies.
int Worker::answer_udp(UdpSocket& sock, int n) {
  int out = 0;
  const uint64_t now = limiter_ ? now_ms() : 0;
  for (int i = 0; i < n; ++i) {
    msghdr& q = rmsgs_[i].msg_hdr;
    if (q.msg_flags & MSG_TRUNC) continue;  // larger than any query we accept
    const uint8_t* msg = rx_.data() + size_t(i) * kRxSize;
    if (options_.updates && update::is_update(msg, rmsgs_[i].msg_len)) [[unlikely]] {
      udp_update(sock, q, msg, rmsgs_[i].msg_len);
      continue;
    }
    udp_source_.use(size_t(i));
    uint8_t* reply = tx_.data() + size_t(out) * tx_size_;
    const dns::ClientIp client = client_ip(peers_[size_t(i)]);
    size_t len =
        udp_answerer_.answer(msg, rmsgs_[i].msg_len, reply, tx_size_, dns::Transport::Udp, client);
    if (len != 0 && limiter_) len = limit_udp(client, len, now);
    if (len == 0) continue;
    siov_[out] = {reply, len};
    msghdr& r = smsgs_[out].msg_hdr;
    r = msghdr{};
    r.msg_name = q.msg_name;
    r.msg_namelen = q.msg_namelen;
    r.msg_iov = &siov_[out];
    r.msg_iovlen = 1;
    if (sock.pktinfo) {
      r.msg_control = sctl_[out].data();
      r.msg_controllen = reply_control(q, sctl_[out].data(), sctl_[out].size());
      if (r.msg_controllen == 0) r.msg_control = nullptr;
    }
    ++out;
  }
  return out;
}

// The rate limiter's verdict on the answer just made (`len` bytes): the answer, its
// slipped form, or 0 (dropped). A client with a valid server cookie is not limited: a
// spoofed source cannot have one (RFC 7873 section 5.3).
size_t Worker::limit_udp(dns::ClientIp client, size_t len, uint64_t now_ms) {
  const dns::Answerer::Outcome o = udp_answerer_.outcome();
  if (o.cookie == dns::CookieState::Valid) return len;
  switch (limiter_->account(client, o.kind, o.name, o.qtype, now_ms)) {
    case rrl::Verdict::Answer:
      return len;
    case rrl::Verdict::Slip:
      return udp_answerer_.slip();
    case rrl::Verdict::Drop:
      break;
  }
  return 0;
}

// Sends the replies with sendmmsg; what the socket buffer cannot take is dropped (UDP).
void Worker::send_udp(UdpSocket& sock, int out) {
  for (int sent = 0; sent < out;) {
    int k = sendmmsg(sock.fd, smsgs_.data() + sent, unsigned(out - sent), MSG_DONTWAIT);
    if (k > 0) {
      sent += k;
    } else if (k < 0 && errno == EINTR) {
      continue;
    } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      ++sent;  // this datagram can't be sent (e.g. unreachable peer): skip it
    } else {
      break;  // socket buffer full: UDP may drop
    }
  }
}

}  // namespace rdnsd::server
