#include "server/net/workers.h"

#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "server/net/sockets.h"
#include "server/net/worker.h"

namespace rdnsd::server {
namespace {

// `n` random bytes from the kernel (a cookie secret, the rate limiter's hash key).
void random_bytes(uint8_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = getrandom(out + done, n - done, 0);
    if (got < 0 && errno != EINTR) throw std::runtime_error("getrandom failed");
    if (got > 0) done += size_t(got);
  }
}

rrl::Options rrl_options(const conf::RrlConf& c, unsigned workers) {
  rrl::Options o;
  o.rate = c.rate;
  o.slip = c.slip;
  o.ipv4_prefix = c.ipv4_prefix;
  o.ipv6_prefix = c.ipv6_prefix;
  o.window = c.window;
  o.table_size = c.table_size;
  o.whitelist = c.whitelist;
  o.shares = workers;
  return o;
}

dns::cookie::Secrets cookie_secrets(const std::vector<std::string>& configured) {
  dns::cookie::Secrets s;
  for (const std::string& raw : configured) {
    dns::cookie::Secret secret{};
    std::memcpy(secret.data(), raw.data(), std::min(raw.size(), secret.size()));
    s.configured.push_back(secret);
  }
  if (s.configured.empty()) random_bytes(s.master.data(), s.master.size());
  return s;
}

}  // namespace

ServerOptions server_options(const conf::Config& config) {
  ServerOptions o;
  o.listen = config.server.listen;
  o.workers = config.server.workers ? config.server.workers
                                    : std::max(1u, std::thread::hardware_concurrency());
  o.answer.udp_payload = config.server.udp_payload;
  o.answer.identity_enabled = config.server.identity_enabled;
  o.answer.identity = config.server.identity;
  o.answer.version_enabled = config.server.version_enabled;
  o.answer.version = config.server.version;
  o.answer.nsid_enabled = config.server.nsid_enabled;
  o.answer.nsid = config.server.nsid;
  o.answer.tcp_idle_timeout_ms = config.server.tcp_idle_timeout_ms;
  o.tcp_idle_timeout_ms = config.server.tcp_idle_timeout_ms;
  o.tcp_max_connections = config.server.tcp_max_connections;
  o.tcp_max_per_client = config.server.tcp_max_per_client;
  o.tcp_io_timeout_ms = config.server.tcp_io_timeout_ms;
  o.udp_receive_buffer = size_t(config.server.udp_receive_buffer);
  o.rrl = rrl_options(config.server.rrl, o.workers);
  o.answer.cookies = cookie_secrets(config.server.cookie_secrets);
  return o;
}

Worker::Worker(const zonestore::Store& store, const ServerOptions& options,
               std::atomic<uint32_t>& tcp_connections, TcpClients& tcp_clients)
    : options_(options),
      tcp_connections_(tcp_connections),
      tcp_clients_(tcp_clients),
      tcp_(*this, store, "rdnsd-tcp", 0),
      udp_source_(store),
      udp_answerer_(options_.answer, udp_source_),
      tx_size_(std::max<size_t>(512, options.answer.udp_payload)),
      rx_(kBatch * kRxSize),
      tx_(kBatch * tx_size_),
      rmsgs_(kBatch),
      smsgs_(kBatch),
      riov_(kBatch),
      siov_(kBatch),
      peers_(kBatch),
      rctl_(kBatch),
      sctl_(kBatch) {
  tcp_.use_update_link(update_link_);
  if (options_.transfers) {
    // Transfers take the CPU the answering threads leave (see TcpLoop).
    xfr_ = std::make_unique<TcpLoop>(*this, store, "rdnsd-xfr", 19);
    tcp_.hand_transfers_to(xfr_.get());
  }
  if (options.rrl.rate != 0) {
    uint8_t seed[16];
    random_bytes(seed, sizeof seed);
    limiter_ = std::make_unique<rrl::Limiter>(options.rrl, seed);
  }
}

Worker::~Worker() {
  stop();
  for (const UdpSocket& sock : udp_) close(sock.fd);
  if (udp_stop_fd_ >= 0) close(udp_stop_fd_);
}

void Worker::open_sockets(std::vector<std::string>& notes) {
  for (const auto& addr : options_.listen) {
    std::string note;
    udp_.push_back({open_listen_socket(addr, SOCK_DGRAM, options_.udp_receive_buffer, &note),
                    is_wildcard(addr)});
    if (!note.empty() && std::find(notes.begin(), notes.end(), note) == notes.end())
      notes.push_back(note);
    tcp_.listen(open_listen_socket(addr, SOCK_STREAM));
  }
}

void Worker::start() {
  if (xfr_) xfr_->start();
  tcp_.start();
  udp_stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (udp_stop_fd_ < 0) throw std::runtime_error("eventfd failed");
  udp_thread_ = std::thread([this] { run_udp(); });
}

// The listeners' loop stops before the transfer loop, so nothing is handed over to a
// stopped loop.
void Worker::stop() {
  update_link_->close();  // no UPDATE answer uses the sockets or the loops from here on
  if (udp_thread_.joinable()) {
    udp_stopping_.store(true, std::memory_order_relaxed);
    const uint64_t one = 1;
    if (write(udp_stop_fd_, &one, sizeof one) < 0) {
      // An eventfd write fails only if its counter would overflow: already signalled.
    }
    udp_thread_.join();
  }
  tcp_.stop();
  if (xfr_) xfr_->stop();
}

bool TcpClients::admit(const std::string& address) {
  if (max_ == 0) return true;
  std::lock_guard lock(mutex_);
  uint32_t& n = open_[address];
  if (n >= max_) return false;
  ++n;
  return true;
}

void TcpClients::release(const std::string& address) {
  if (max_ == 0) return;
  std::lock_guard lock(mutex_);
  auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

Workers::Workers(const zonestore::Store& store, ServerOptions options)
    : store_(store), options_(std::move(options)), tcp_clients_(options_.tcp_max_per_client) {}

Workers::~Workers() {
  stop();
}

void Workers::start() {
  for (const auto& addr : options_.listen) {
    check_address_free(addr, SOCK_DGRAM);
    check_address_free(addr, SOCK_STREAM);
  }
  for (unsigned i = 0; i < options_.workers; ++i) {
    auto w = std::make_unique<Worker>(store_, options_, tcp_connections_, tcp_clients_);
    w->open_sockets(notes_);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->start();
}

rrl::Stats Workers::rrl_stats() const {
  rrl::Stats sum;
  for (const auto& w : workers_) sum += w->rrl_stats();
  return sum;
}

void Workers::stop() {
  for (auto& w : workers_) w->stop();
  workers_.clear();
}

}  // namespace rdnsd::server
