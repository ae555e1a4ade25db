// The commit scheduler's policy on a real libuv loop and a real LMDB store, without any
// socket: test submitters stand in for connections, and a uv_async_t stands in for a
// read (it is seen in the poll phase, as a readable socket is).
#include <doctest/doctest.h>
#include <lmdb.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "admin/ops/commit_scheduler.h"
#include "admin/ops/handler.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using admin::Json;
using testing::TempDir;

namespace {

constexpr const char* kV4 = "2.0.192.in-addr.arpa.";
constexpr const char* kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";
using Ms = std::chrono::milliseconds;

using zonestore::testing::config_zone;

// The id of the last committed write transaction: one per durable commit.
size_t last_txnid(const zonestore::Store& s) {
  MDB_envinfo info{};
  REQUIRE(mdb_env_info(s.env(), &info) == 0);
  return info.me_last_txnid;
}

std::string set_line(const std::string& ip, const Json& tag) {
  return R"({"op":"set","ip":")" + ip + R"(","name":"h.example","tag":)" + tag.dump() + "}";
}

std::string v6(int i) {
  std::ostringstream ip;
  ip << "2001:db8::" << std::hex << i;
  return ip.str();
}

// A connection as the scheduler sees it: says whether it streams, keeps its answers.
struct TestSubmitter : admin::Submitter {
  explicit TestSubmitter(std::string n, bool s = false) : name(std::move(n)), streams(s) {}
  std::string name;
  bool streams;
  std::vector<Json> answers;
  std::vector<bool> deliveries;               // delivered(group) of each call
  size_t delivered_answers = 0;               // answers given before the last delivered()
  std::vector<std::string>* order = nullptr;  // "name:tag" of each answer, if set
  std::function<void()> on_answer;

  bool streaming() const override { return streams; }
  void answer(admin::Response r) override {
    REQUIRE_FALSE(r.stream);
    answers.push_back(Json::parse(r.line));
    if (order) order->push_back(name + ":" + answers.back()["tag"].dump());
    if (on_answer) on_answer();
  }
  void delivered(bool group) override {
    deliveries.push_back(group);
    delivered_answers = answers.size();
  }
};

struct Fixture {
  TempDir dir{"scheduler"};
  admin::Peer peer{"alice"};
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;
  uv_loop_t loop;
  uv_async_t reader;  // its callback is the stand-in for a read callback
  std::function<void()> on_read;
  std::unique_ptr<admin::CommitScheduler> scheduler;

  explicit Fixture(Ms commit_wait = Ms(5)) {
    store = zonestore::testing::open_store(dir.path);
    store->reconcile({config_zone("192.0.2.0/24"), config_zone("2001:db8::/32")}, {},
                     std::time(nullptr));
    admin::HandlerOptions h;
    h.zone_defaults.ns = {"ns1.example.net."};
    h.zone_defaults.soa.rname = "hostmaster.example.net.";
    handler = std::make_unique<admin::Handler>(*store, h);
    scheduler = std::make_unique<admin::CommitScheduler>(
        *handler, admin::CommitSchedulerOptions{commit_wait});
    uv_loop_init(&loop);
    reader.data = this;
    uv_async_init(&loop, &reader, [](uv_async_t* a) {
      auto* f = static_cast<Fixture*>(a->data);
      std::exchange(f->on_read, {})();
    });
  }
  ~Fixture() {
    scheduler->close();
    uv_close(reinterpret_cast<uv_handle_t*>(&reader), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
  void start() { scheduler->start(loop); }

  void submit(admin::Submitter& s, const std::string& line) {
    scheduler->submit(s, admin::Handler::prepare(line, peer));
  }
  // One loop turn in which `read` runs in the poll phase; returns after that turn's check.
  void turn(std::function<void()> read) {
    on_read = std::move(read);
    uv_async_send(&reader);
    uv_run(&loop, UV_RUN_NOWAIT);
    REQUIRE_FALSE(on_read);  // it ran
  }
  // Runs the loop until `done` (or two seconds); false if it never was.
  bool run_until(const std::function<bool()>& done) {
    uv_timer_t tick;  // bounds each blocking turn
    uv_timer_init(&loop, &tick);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 10, 10);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done() && std::chrono::steady_clock::now() < until) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
    return done();
  }
};

}  // namespace

TEST_CASE("a waiting submitter's write is committed in the loop turn that read it") {
  Fixture f(Ms(1000));
  f.start();
  TestSubmitter a("a");
  const size_t txn = last_txnid(*f.store);
  f.turn([&] {
    f.submit(a, set_line("192.0.2.1", 1));
    CHECK(a.answers.empty());  // held for the group: not before the poll phase is over
  });
  REQUIRE(a.answers.size() == 1);
  CHECK(a.answers[0]["ok"] == true);
  CHECK(a.deliveries == std::vector<bool>{true});
  CHECK(last_txnid(*f.store) == txn + 1);
}

TEST_CASE("two streaming writes share one commit within commit-wait") {
  Fixture f(Ms(200));
  f.start();
  TestSubmitter a("a", true), b("b", true);
  const size_t txn = last_txnid(*f.store);
  const uint64_t first = uv_now(&f.loop);
  f.turn([&] { f.submit(a, set_line("192.0.2.1", 1)); });
  CHECK(a.answers.empty());  // it waits for others
  std::this_thread::sleep_for(Ms(50));
  f.turn([&] { f.submit(b, set_line("192.0.2.2", 2)); });
  CHECK(b.answers.empty());
  REQUIRE(f.run_until([&] { return !a.answers.empty() && !b.answers.empty(); }));
  uv_update_time(&f.loop);
  CHECK(uv_now(&f.loop) - first >= 200);
  CHECK(last_txnid(*f.store) == txn + 1);  // one commit for both
  CHECK(a.answers[0]["ok"] == true);
  CHECK(b.answers[0]["serial"] == a.answers[0]["serial"].get<uint32_t>() + 1);
  CHECK(a.deliveries == std::vector<bool>{true});
  CHECK(b.deliveries == std::vector<bool>{true});

  // A waiting submitter joining the group commits it in that turn, for everyone.
  TestSubmitter c("c");
  f.turn([&] { f.submit(a, set_line("192.0.2.3", 3)); });
  CHECK(a.answers.size() == 1);
  f.turn([&] { f.submit(c, set_line("192.0.2.4", 4)); });
  CHECK(a.answers.size() == 2);
  CHECK(c.answers.size() == 1);
  CHECK(last_txnid(*f.store) == txn + 2);

  // hurry(): a streaming group is committed at the next check.
  f.turn([&] {
    f.submit(a, set_line("192.0.2.5", 5));
    f.scheduler->hurry();
  });
  CHECK(a.answers.size() == 3);
}

TEST_CASE("with commit-wait 0 a streaming submitter's write is committed in its turn") {
  Fixture f(Ms(0));
  f.start();
  TestSubmitter a("a", true);
  const size_t txn = last_txnid(*f.store);
  for (int i = 1; i <= 3; ++i) {
    f.turn([&] { f.submit(a, set_line("192.0.2." + std::to_string(i), i)); });
    REQUIRE(a.answers.size() == size_t(i));
  }
  CHECK(last_txnid(*f.store) == txn + 3);
}

TEST_CASE("a group of 1,000 is committed at once, the next request starts a new one") {
  Fixture f(Ms(100000));
  f.start();
  TestSubmitter a("a", true);
  const size_t txn = last_txnid(*f.store);
  f.turn([&] {
    for (int i = 1; i < int(admin::CommitScheduler::kMaxGroup); ++i)
      f.submit(a, set_line(v6(i), i));
    CHECK(a.answers.empty());
    f.submit(a, set_line(v6(1000), 1000));
    CHECK(a.answers.size() == 1000);  // in the submit that filled the group
    CHECK(last_txnid(*f.store) == txn + 1);
    f.submit(a, set_line(v6(1001), 1001));
  });
  CHECK(a.answers.size() == 1000);  // the 1,001st waits (streaming, a long commit-wait)
  for (size_t k = 0; k < a.answers.size(); ++k) CHECK(a.answers[k]["tag"] == k + 1);
  f.scheduler->flush();
  CHECK(a.answers.size() == 1001);
  CHECK(last_txnid(*f.store) == txn + 2);
  CHECK(f.store->record_count() == 1001);
}

TEST_CASE("a request that is not groupable commits the group first and sees its writes") {
  Fixture f(Ms(100000));
  f.start();
  TestSubmitter a("a", true), b("b");
  std::vector<std::string> order;
  a.order = b.order = &order;
  const size_t txn = last_txnid(*f.store);
  f.turn([&] {
    f.submit(a, set_line("192.0.2.9", 1));
    f.submit(a, R"({"op":"set","ip":"192.0.2.9","name":"bad_name!","tag":2})");
    CHECK(a.answers.empty());
    f.submit(b, R"({"op":"show","ip":"192.0.2.9","tag":3})");
    // Both of a's answers, delivered as a group, then b's show, delivered alone.
    CHECK(order == std::vector<std::string>{"a:1", "a:2", "b:3"});
    CHECK(a.deliveries == std::vector<bool>{true});
    CHECK(b.deliveries == std::vector<bool>{false});
  });
  CHECK(last_txnid(*f.store) == txn + 1);
  CHECK(a.answers[1]["error"]["code"] == "bad_name");
  CHECK(b.answers[0]["record"]["ptr"] == "h.example.");
}

TEST_CASE("answers come in order per submitter, whatever waits and whatever does not") {
  Fixture f(Ms(30));
  f.start();
  TestSubmitter a("a", true), b("b");
  f.turn([&] {
    f.submit(a, set_line("192.0.2.1", 0));
    f.submit(b, set_line("192.0.2.2", 0));
    f.submit(a, R"({"op":"zones","tag":1})");
    f.submit(a, set_line("192.0.2.3", 2));
    f.submit(b, R"({"op":"unset","ip":"192.0.2.1","tag":1})");
    f.submit(a, R"({"op":"show","ip":"192.0.2.1","tag":3})");
    f.submit(b, "not json");
    f.submit(b, R"({"op":"show","ip":"192.0.2.3","tag":2})");
    f.submit(a, set_line("192.0.2.4", 4));
  });
  REQUIRE(f.run_until([&] { return a.answers.size() == 5; }));
  REQUIRE(b.answers.size() == 4);
  for (size_t k = 0; k < a.answers.size(); ++k) CHECK(a.answers[k]["tag"] == k);
  CHECK(a.answers[3]["error"]["code"] == "not_found");  // b's unset came before it
  CHECK(b.answers[0]["tag"] == 0);
  CHECK(b.answers[1]["tag"] == 1);
  CHECK(b.answers[2]["error"]["code"] == "bad_request");
  CHECK(b.answers[3]["record"]["ip"] == "192.0.2.3");
}

TEST_CASE("listeners are told each commit's serials after it, and nothing for a failed write") {
  Fixture f(Ms(0));
  std::vector<admin::Change> told;
  std::vector<size_t> txn_when_told, answers_when_told;
  TestSubmitter a("a");
  f.scheduler->subscribe([&](const admin::Change& c) {
    told.push_back(c);
    txn_when_told.push_back(last_txnid(*f.store));
    answers_when_told.push_back(a.answers.size());
  });
  f.scheduler->subscribe([](const admin::Change&) { throw std::runtime_error("dropped"); });
  f.start();
  const size_t txn = last_txnid(*f.store);
  f.turn([&] {
    f.submit(a, set_line("192.0.2.1", 1));
    f.submit(a, set_line(v6(1), 2));
    f.submit(a, set_line("192.0.2.2", 3));
  });
  REQUIRE(told.size() == 1);
  CHECK(txn_when_told[0] == txn + 1);  // after the durable commit
  CHECK(answers_when_told[0] == 0);    // before the answers
  CHECK(told[0].writes == 3);
  CHECK_FALSE(told[0].zones_changed);
  REQUIRE(told[0].serials.size() == 2);
  CHECK(told[0].serials[0].zone == kV4);
  CHECK(told[0].serials[0].serial == a.answers[2]["serial"]);
  CHECK(told[0].serials[1].zone == kV6);
  CHECK(told[0].serials[1].serial == a.answers[1]["serial"]);
  CHECK(a.answers.size() == 3);  // the throwing listener took nothing away

  // Refused writes (grouped or not) and reads: no event.
  f.turn([&] {
    f.submit(a, R"({"op":"set","ip":"198.51.100.1","name":"x.example","tag":4})");
    f.submit(a, R"({"op":"unset","ip":"192.0.2.99","tag":5})");
    f.submit(a, "{");
  });
  f.turn([&] {
    f.submit(a, R"({"op":"batch","ops":[{"op":"unset","ip":"192.0.2.99"}],"tag":6})");
    f.submit(a, R"({"op":"show","ip":"192.0.2.1","tag":7})");
  });
  REQUIRE(a.answers.size() == 8);
  CHECK(a.answers[3]["error"]["code"] == "not_in_zone");
  CHECK(a.answers[6]["error"]["code"] == "not_found");
  CHECK(told.size() == 1);
}

TEST_CASE("batch, import, zone-add and zone-remove tell the listeners too") {
  Fixture f;
  std::vector<admin::Change> told;
  f.scheduler->subscribe([&](const admin::Change& c) { told.push_back(c); });
  f.start();
  TestSubmitter a("a");
  f.turn([&] {
    f.submit(a, R"({"op":"batch","ops":[{"op":"set","ip":"192.0.2.1","name":"a.example"},)"
                R"({"op":"set","ip":"192.0.2.2","name":"b.example"}]})");
    f.submit(a, R"({"op":"import","records":[{"name":"3.2.0.192.in-addr.arpa.","type":"PTR",)"
                R"("ttl":60,"data":"c.example."}]})");
    f.submit(a, R"({"op":"zone-add","prefix":"198.51.100.0/24"})");
    f.submit(a, R"({"op":"zone-remove","zone":"198.51.100.0/24"})");
  });
  REQUIRE(a.answers.size() == 4);
  for (const Json& ans : a.answers) CHECK(ans["ok"] == true);
  REQUIRE(told.size() == 4);
  CHECK(told[0].writes == 1);
  REQUIRE(told[0].serials.size() == 1);
  CHECK(told[0].serials[0].zone == kV4);
  CHECK(told[0].serials[0].serial == a.answers[0]["serials"][0]["serial"]);
  CHECK(told[1].serials.at(0).serial == told[0].serials[0].serial + 1);
  CHECK_FALSE(told[1].zones_changed);
  CHECK(told[2].zones_changed);
  CHECK(told[2].writes == 0);
  CHECK(told[3].zones_changed);
}

TEST_CASE("post() submits from another thread, the answers come on the loop thread") {
  Fixture f(Ms(0));
  f.start();
  auto a = std::make_shared<TestSubmitter>("a");
  std::thread::id answered_on;
  a->on_answer = [&] { answered_on = std::this_thread::get_id(); };
  std::thread poster([&] {
    CHECK(f.scheduler->post(a, admin::Handler::prepare(set_line("192.0.2.1", 1), f.peer)));
    CHECK(f.scheduler->post(a, admin::Handler::prepare(R"({"op":"zones","tag":2})", f.peer)));
  });
  REQUIRE(f.run_until([&] { return a->answers.size() == 2; }));
  poster.join();
  CHECK(answered_on == std::this_thread::get_id());
  CHECK(a->answers[0]["ok"] == true);
  CHECK(a->answers[1]["tag"] == 2);
  CHECK(f.store->record_count() == 1);

  // After close(), post() is refused; what was posted before it is still answered.
  CHECK(f.scheduler->post(a, admin::Handler::prepare(set_line("192.0.2.2", 3), f.peer)));
  f.scheduler->close();
  CHECK(a->answers.size() == 3);
  CHECK_FALSE(f.scheduler->post(a, admin::Handler::prepare(set_line("192.0.2.3", 4), f.peer)));
  CHECK(a.use_count() == 1);  // the scheduler kept it no longer than its answers
}
