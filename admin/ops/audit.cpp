#include "admin/ops/audit.h"

#include <type_traits>
#include <utility>
#include <variant>

namespace rdnsd::admin {
namespace {

// Who the write is recorded for: the request's actor, else the peer's user.
template <class R>
std::string actor(const R& r, const Peer& peer) {
  if constexpr (std::is_same_v<R, UpdateRequest>)
    return r.actor;
  else if constexpr (requires { r.actor; })
    return actor_of(r.actor, peer);
  else
    return peer.user;
}

// The address (or zone) a write is about; "" for a batch or an import (many).
template <class R>
std::string address(const R& r) {
  if constexpr (std::is_same_v<R, SetRequest> || std::is_same_v<R, UnsetRequest>) return r.ip;
  if constexpr (std::is_same_v<R, ZoneAddRequest>) return r.prefix;
  if constexpr (std::is_same_v<R, ZoneRemoveRequest> || std::is_same_v<R, UpdateRequest>)
    return r.zone;
  return "";
}

template <class R>
constexpr bool is_write() {
  return std::is_same_v<R, SetRequest> || std::is_same_v<R, UnsetRequest> ||
         std::is_same_v<R, BatchRequest> || std::is_same_v<R, ImportRequest> ||
         std::is_same_v<R, ZoneAddRequest> || std::is_same_v<R, ZoneRemoveRequest> ||
         std::is_same_v<R, UpdateRequest>;
}

// "5" for one zone, "ZONE=5 ZONE=7" for several; "" when nothing was written.
std::string serials(const Json& body) {
  const auto list = body.find("serials");
  if (list == body.end() || !list->is_array() || list->empty()) {
    const auto one = body.find("serial");
    return one != body.end() && one->is_number() ? std::to_string(one->get<uint64_t>()) : "";
  }
  if (list->size() == 1 && (*list)[0].contains("serial"))
    return std::to_string((*list)[0]["serial"].get<uint64_t>());
  std::string out;
  for (const Json& s : *list) {
    if (!s.contains("zone") || !s.contains("serial")) continue;
    out += (out.empty() ? "" : " ") + s["zone"].get<std::string>() + "=" +
           std::to_string(s["serial"].get<uint64_t>());
  }
  return out;
}

// "ok", the error code, or (UPDATE) the RCODE name.
std::string result(const Answer& a) {
  if (!a.ok) return a.error.code;
  const auto rcode = a.body.find("rcode");
  return rcode != a.body.end() && rcode->is_string() ? rcode->get<std::string>() : "ok";
}

}  // namespace

std::optional<AuditEntry> audit_entry(const Prepared& request, const std::string& answer_line) {
  const auto& body = request.parsed.request;
  if (!body) return std::nullopt;
  std::optional<AuditEntry> out;
  std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (is_write<R>()) {
          if constexpr (std::is_same_v<R, ImportRequest>)
            if (r.dry_run) return;
          const auto answer = parse_answer(answer_line);
          AuditEntry e;
          if constexpr (std::is_same_v<R, ZoneAddRequest> || std::is_same_v<R, ZoneRemoveRequest>)
            e.level = logging::Level::Notice;
          const std::string op = op_name(*body);
          const std::string where = address(r);
          const std::string outcome = answer ? result(*answer) : "internal";
          e.message = op + (where.empty() ? "" : " " + where) + ": " + outcome;
          e.fields = {{"actor", actor(r, request.peer)},
                      {"op", op},
                      {"address", where},
                      {"result", outcome},
                      {"serial", answer && answer->ok ? serials(answer->body) : ""}};
          out = std::move(e);
        }
      },
      *body);
  return out;
}

}  // namespace rdnsd::admin
