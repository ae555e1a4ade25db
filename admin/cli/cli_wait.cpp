// rdnsctl wait: polls the record or zone until its replication status settles.
#include <chrono>
#include <ostream>
#include <thread>

#include "admin/cli/cli.h"
#include "zonestore/names/names.h"

namespace rdnsd::admin::cli {

int run_wait(const Invocation& inv, std::ostream& out, std::ostream& err,
             const std::function<void(int ms)>& sleep) {
  const std::string target = inv.request.value("target", "");
  double timeout_s = 60;
  if (auto t = inv.local.find("timeout"); t != inv.local.end()) {
    const std::string text = t->get<std::string>();
    try {
      size_t used = 0;
      timeout_s = std::stod(text, &used);
      if (used != text.size() || timeout_s < 0) throw std::invalid_argument(text);
    } catch (const std::exception&) {
      err << "rdnsctl: --timeout wants a number of seconds, not '" << text << "'\n";
      return kUsage;
    }
  }
  const bool is_ip = names::parse_ip(target).has_value();
  const Json request =
      is_ip ? Json{{"op", "show"}, {"ip", target}} : Json{{"op", "zone-show"}, {"zone", target}};
  const std::string line = request.dump();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(timeout_s * 1000));
  std::string status;
  for (;;) {
    std::string answer_line;
    try {
      answer_line = round_trip(inv.socket, {line});
    } catch (const ConnectError& e) {
      err << "rdnsctl: " << e.what() << "\n";
      return kUnreachable;
    }
    std::string why;
    auto answer = parse_answer(answer_line, &why);
    if (!answer) {
      err << "rdnsctl: the server's answer cannot be read: " << why << "\n";
      return kUnreachable;
    }
    if (!answer->ok) {
      err << "rdnsctl: " << answer->error.code << ": " << answer->error.message << "\n";
      return kRefused;
    }
    const Json& item = answer->body.value(is_ip ? "record" : "zone", Json::object());
    status = item.value("status", "active");
    if (inv.json && (status != "pending" || std::chrono::steady_clock::now() >= deadline)) {
      out << answer_line << "\n";
    } else if (status != "pending") {
      out << target << ": " << status << " (serial " << item.value("serial", Json(nullptr)).dump()
          << ")\n";
    }
    if (status == "active") return kOk;
    if (status == "error") return kRefused;
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!inv.json) out << target << ": still pending after " << timeout_s << " s\n";
      return kTimedOut;
    }
    if (sleep)
      sleep(200);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace rdnsd::admin::cli
