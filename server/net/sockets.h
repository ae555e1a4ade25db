#pragma once
// Listening sockets made by hand (libuv 1.44 has no SO_REUSEPORT flag, and its
// UV_UDP_REUSEADDR would let a later bind steal the port) and handed to libuv.
#include <sys/socket.h>

#include <string>

#include "conf/config.h"

namespace rdnsd::server {

// Fails with std::runtime_error("ADDR: reason") if another socket holds the address:
// a probe bind WITHOUT SO_REUSEPORT, so another process's reuseport group can't be
// joined by accident.
void check_address_free(const conf::ListenAddr& addr, int type);
// A non-blocking socket of `type` (SOCK_DGRAM or SOCK_STREAM) bound to `addr` with
// SO_REUSEPORT (IPV6_V6ONLY on IPv6; packet-info on a wildcard UDP address; listening
// for TCP). Throws std::runtime_error("ADDR: reason").
// With `receive_buffer` (bytes, 0: the system's default) the socket's SO_RCVBUF is set
// to it: with SO_RCVBUFFORCE where the process may (CAP_NET_ADMIN), else within
// net.core.rmem_max; `note` says, for the log, the size the kernel gave, and when that
// is less than asked, why.
int open_listen_socket(const conf::ListenAddr& addr, int type, size_t receive_buffer = 0,
                       std::string* note = nullptr);
// The receive buffer the kernel keeps for `fd` (SO_RCVBUF as read back: twice the
// payload bytes asked for, which it reserves for its own bookkeeping).
size_t receive_buffer_of(int fd);
// True if `addr` is 0.0.0.0 or ::, where replies must name their source address.
bool is_wildcard(const conf::ListenAddr& addr);

}  // namespace rdnsd::server
