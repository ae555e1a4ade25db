#pragma once
// The REST API (docs/HTTP-API.md, docs/openapi.yaml), without I/O: an HTTP request in,
// and either its reply or a write for the commit scheduler together with what turns the
// writer's answer line into the reply. Reads run on the calling (HTTP) thread against
// the store; writes are admin requests (set, unset: groupable, so HTTP and the admin
// socket share group commits and one serial sequence) whose conditions (create only,
// this id, move, the token's quota) are checked in the write's own transaction.
//
// Thread-safe: handle() and Write::finish may run on any thread.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "admin/http/auth.h"
#include "admin/ops/commit_scheduler.h"
#include "admin/ops/handler.h"
#include "admin/ops/replication.h"
#include "zonestore/store.h"

namespace rdnsd::admin::http {

struct Request {
  std::string method;                                      // "GET", ...
  std::string path;                                        // without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  const char* authorization = nullptr;                     // the header's value, if any
  std::string body;
};

struct Reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A write: submit `request` to the commit scheduler; finish(answer line) makes the reply.
struct Write {
  Prepared request;
  std::function<Reply(const std::string& line)> finish;
};
using Outcome = std::variant<Reply, Write>;

// The body of an error reply: {"httpStatus":S,"messages":[{"errorCode":C,"message":M}]}.
Reply error_reply(unsigned status, const std::string& code, const std::string& message);
// The HTTP status of an admin protocol error code (400 bad input, 404, 409, 422 FCrDNS,
// 429 quota, 503 busy, 500 internal).
unsigned status_of(const std::string& code);

struct ApiOptions {
  std::shared_ptr<const ReplicationView> replication;  // null: every record is active
  std::string openapi;                                 // served at /openapi.yaml
  std::string page;                                    // the DNS Reverse page, at /
  std::function<std::time_t()> clock = [] { return std::time(nullptr); };
  std::string version;                         // rdnsd_build_info (GET /metrics)
  std::time_t started = std::time(nullptr);    // rdnsd_start_time_seconds
  const CommitScheduler* scheduler = nullptr;  // its counts on /metrics (null: none)
};

class Api {
 public:
  // `store` and `auth` must outlive the Api.
  Api(const zonestore::Store& store, const Authenticator& auth, ApiOptions options);
  Outcome handle(const Request& request) const;

 private:
  Outcome records(const Request& r, const Caller& c) const;
  Outcome record(const Request& r, const Caller& c, const std::string& id) const;
  Reply list(const Request& r, const Caller& c) const;
  Outcome create(const Request& r, const Caller& c) const;
  Outcome replace(const Request& r, const Caller& c, const zonestore::Record& old) const;
  Outcome remove(const Caller& c, const zonestore::Record& old) const;
  Reply quota(const Caller& c) const;
  Reply health() const;
  Reply whoami(const Caller& c) const;
  std::string status(const zonestore::Record& r) const;

  const zonestore::Store& store_;
  const Authenticator& auth_;
  ApiOptions options_;
};

}  // namespace rdnsd::admin::http
