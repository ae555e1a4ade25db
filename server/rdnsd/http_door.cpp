#include "server/rdnsd/http_door.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rdnsd::admin::http {
const std::string& openapi_text();  // generated from docs/openapi.yaml
const std::string& web_page();      // generated from admin/http/web/index.html
}  // namespace rdnsd::admin::http

namespace rdnsd::server {

namespace {

std::string read_pem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("http: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

HttpDoor make_http(const conf::Config& config, const zonestore::Store& store,
                   admin::CommitScheduler& scheduler,
                   std::shared_ptr<const admin::ReplicationView> replication,
                   std::function<void(const std::string&)> log) {
  HttpDoor d;
  if (config.http.listen.empty()) return d;
  try {
    d.auth = std::make_unique<admin::http::Authenticator>(store, config.http.tokens);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(config.http.tokens_file + ": " + e.what());
  }
  admin::http::ApiOptions ao;
  ao.replication = std::move(replication);
  ao.openapi = admin::http::openapi_text();
  ao.version = RDNSD_VERSION;
  ao.page = admin::http::web_page();
  ao.scheduler = &scheduler;
  d.api = std::make_unique<admin::http::Api>(store, *d.auth, std::move(ao));
  admin::http::HttpServerOptions o;
  o.listen = config.http.listen;
  if (!config.http.tls_cert.empty()) {
    o.tls_cert = read_pem(config.http.tls_cert);
    o.tls_key = read_pem(config.http.tls_key);
  }
  o.max_connections = config.http.max_connections;
  o.idle_timeout = std::chrono::seconds(config.http.idle_timeout_s);
  o.log = std::move(log);
  d.server = std::make_unique<admin::http::HttpServer>(*d.api, scheduler, std::move(o));
  return d;
}

}  // namespace rdnsd::server
