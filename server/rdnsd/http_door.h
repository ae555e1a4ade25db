#pragma once
// The HTTP API as the rdnsd main wires it (admin/http/): tokens, the REST API and its
// server, from the config's `http:` section.
#include <functional>
#include <memory>
#include <string>

#include "admin/http/server.h"

namespace rdnsd::server {

struct HttpDoor {
  std::unique_ptr<admin::http::Authenticator> auth;
  std::unique_ptr<admin::http::Api> api;
  std::unique_ptr<admin::http::HttpServer> server;  // null: http.listen is empty
};

// Throws std::runtime_error (a PEM file that cannot be read, a tokens-file entry that
// does not parse).
HttpDoor make_http(const conf::Config& config, const zonestore::Store& store,
                   admin::CommitScheduler& scheduler,
                   std::shared_ptr<const admin::ReplicationView> replication,
                   std::function<void(const std::string&)> log);

}  // namespace rdnsd::server
