// rdnsctl without a server: arguments, batch files, output for people, exit codes.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "admin/cli/cli.h"

using namespace rdnsd::admin;
using namespace rdnsd::admin::cli;

namespace {

Invocation parse(const std::vector<std::string>& args, const char* env = nullptr) {
  return parse_args(args, env);
}

std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_args(args, nullptr);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("no usage error for the arguments");
  return "";
}

Json batch(const std::string& text, std::vector<size_t>* lines = nullptr) {
  std::istringstream in(text);
  return Json::parse(read_batch(in, "ops.csv", lines));
}

std::string batch_error(const std::string& text) {
  try {
    batch(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("no error for the batch");
  return "";
}

std::string printed(const std::string& command, const std::string& answer) {
  std::ostringstream out;
  print_answer(command, Json::parse(answer), out);
  return out.str();
}

}  // namespace

TEST_CASE("the socket: --socket, then $RDNSD_SOCKET, then ./var/rdnsd.sock") {
  CHECK(parse({"zones"}).socket == "./var/rdnsd.sock");
  CHECK(parse({"zones"}, "/run/rdnsd.sock").socket == "/run/rdnsd.sock");
  CHECK(parse({"zones"}, "").socket == "./var/rdnsd.sock");
  CHECK(parse({"--socket", "/a.sock", "zones"}, "/run/rdnsd.sock").socket == "/a.sock");
  CHECK(parse({"--socket=/b.sock", "zones"}).socket == "/b.sock");
  CHECK(parse({"zones", "--socket", "/c.sock"}).socket == "/c.sock");
  CHECK(usage_error({"zones", "--socket"}) == "option --socket needs a value");
}

TEST_CASE("set: positionals and options in any order") {
  Invocation a = parse(
      {"set", "192.0.2.2", "mail.example.com.", "--ttl", "3600", "--description", "mail server"});
  CHECK(a.command == "set");
  CHECK(a.request == Json{{"op", "set"},
                          {"ip", "192.0.2.2"},
                          {"name", "mail.example.com."},
                          {"ttl", 3600},
                          {"description", "mail server"}});
  Invocation b =
      parse({"--json", "set", "--ttl=60", "192.0.2.2", "--description", "x", "m.example"});
  CHECK(b.json);
  CHECK(b.request.dump() ==
        R"({"op":"set","ip":"192.0.2.2","name":"m.example","ttl":60,"description":"x"})");
  CHECK(b.request["ttl"] == 60);
  CHECK(b.request["ip"] == "192.0.2.2");
  CHECK(b.request["name"] == "m.example");
  CHECK(parse({"set", "192.0.2.2", "m.example", "--json"}).json);
  // A TTL that is not a number goes to the server as text: it answers bad_ttl.
  CHECK(parse({"set", "192.0.2.2", "m.example", "--ttl", "1h"}).request["ttl"] == "1h");
  CHECK(parse({"set", "192.0.2.2", "m.example", "--ttl", "-5"}).request["ttl"] == -5);
  CHECK(parse({"set", "192.0.2.2", "m.example", "--ttl", "99999999999999999999"}).request["ttl"] ==
        "99999999999999999999");
  CHECK(parse({"set", "192.0.2.2", "m.example", "--description", "--not-an-option"})
            .request["description"] == "--not-an-option");
  CHECK(parse({"set", "--", "192.0.2.2", "-m.example"}).request["name"] == "-m.example");
}

TEST_CASE("each command builds its request") {
  CHECK(parse({"unset", "2001:db8::1"}).request == Json{{"op", "unset"}, {"ip", "2001:db8::1"}});
  CHECK(parse({"show", "192.0.2.2"}).request == Json{{"op", "show"}, {"ip", "192.0.2.2"}});
  CHECK(parse({"show", "0b5c1e52-7f4e-4c39-9a53-3f0c1d2e4a11"}).request ==
        Json{{"op", "show"}, {"id", "0b5c1e52-7f4e-4c39-9a53-3f0c1d2e4a11"}});
  CHECK(parse({"list", "--zone", "192.0.2.0/24", "--prefix", "192.0.2.0/28", "--name", "mail",
               "--offset", "10", "--limit", "5"})
            .request == Json{{"op", "list"},
                             {"zone", "192.0.2.0/24"},
                             {"prefix", "192.0.2.0/28"},
                             {"name", "mail"},
                             {"offset", 10},
                             {"limit", 5}});
  CHECK(parse({"zones"}).request == Json{{"op", "zones"}});
  CHECK(parse({"zone-show", "2.0.192.in-addr.arpa."}).request ==
        Json{{"op", "zone-show"}, {"zone", "2.0.192.in-addr.arpa."}});
  CHECK(parse({"zone-add", "10.1.16.0/20", "--ns", "ns1.example.", "--ns", "ns2.example.",
               "--rname", "hm.example.", "--serial-policy", "unixtime", "--max-records", "500",
               "--mname", "ns1.example.", "--ttl", "600"})
            .request == Json{{"op", "zone-add"},
                             {"prefix", "10.1.16.0/20"},
                             {"ns", {"ns1.example.", "ns2.example."}},
                             {"rname", "hm.example."},
                             {"serial_policy", "unixtime"},
                             {"max_records", 500},
                             {"mname", "ns1.example."},
                             {"ttl", 600}});
  CHECK(parse({"zone-remove", "--force", "10.0.0.0/8"}).request ==
        Json{{"op", "zone-remove"}, {"zone", "10.0.0.0/8"}, {"force", true}});
  CHECK(parse({"zone-remove", "10.0.0.0/8"}).request.contains("force") == false);
  CHECK(parse({"quota"}).request == Json{{"op", "quota"}});
  Invocation b = parse({"batch", "-"});
  CHECK(b.batch_file == "-");
  CHECK(b.request == Json{{"op", "batch"}});
  CHECK(parse({"batch", "ops.csv", "--actor", "importer"}).request["actor"] == "importer");
}

TEST_CASE("help in every spelling") {
  CHECK(parse({"--help"}).command == "help");
  CHECK(parse({"-h"}).command == "help");
  CHECK(parse({"help"}).help_topic.empty());
  CHECK(parse({"help", "zone-add"}).help_topic == "zone-add");
  CHECK(parse({"set", "--help"}).help_topic == "set");
  CHECK(parse({"set", "1.2.3.4", "--help"}).command == "help");
  CHECK(usage().find("zone-add PREFIX [--ns NAME]...") != std::string::npos);
  CHECK(usage("list").find("usage: rdnsctl [--socket PATH] [--json] list") == 0);
  std::ostringstream out, err;
  std::istringstream in;
  CHECK(run({"--help"}, nullptr, in, out, err) == kOk);
  CHECK(out.str() == usage());
}

TEST_CASE("usage errors are clear and exit 2") {
  CHECK(usage_error({}) == "no command given");
  CHECK(usage_error({"frob"}) == "unknown command 'frob'");
  CHECK(usage_error({"set", "192.0.2.2"})
            .find("missing arguments for set; usage: rdnsctl set IP "
                  "NAME") == 0);
  CHECK(usage_error({"unset", "a", "b"}).find("too many arguments for unset") == 0);
  CHECK(usage_error({"zones", "--ttl", "5"}) == "unknown option '--ttl' for zones");
  CHECK(usage_error({"--ttl", "5", "set"}) == "unknown option '--ttl'");
  CHECK(usage_error({"set", "1.2.3.4", "a.b", "--ttl"}) == "option --ttl needs a value");
  CHECK(usage_error({"zone-remove", "x", "--force=yes"}) == "option --force takes no value");
  CHECK(usage_error({"help", "frob"}) == "unknown command 'frob'");
  std::ostringstream out, err;
  std::istringstream in;
  CHECK(run({"set", "192.0.2.2"}, nullptr, in, out, err) == kUsage);
  CHECK(err.str().find("rdnsctl: missing arguments") == 0);
  CHECK(err.str().find("Try 'rdnsctl --help'") != std::string::npos);
  CHECK(out.str().empty());
}

TEST_CASE("batch files: JSON lines, CSV with quotes, a header, comments") {
  std::vector<size_t> lines;
  Json ops = batch(
      "# reverse records for rack 7\n"
      "ip,name,ttl,description\n"
      "192.0.2.1, a.example.com ,3600,web\n"
      "\n"
      "192.0.2.2,b.example.com\r\n"
      "192.0.2.3,c.example.com,,\"says \"\"hi\"\", twice\"\n"
      "{\"op\":\"unset\",\"ip\":\"192.0.2.4\"}\n"
      "192.0.2.5,d.example.com,soon\n",
      &lines);
  REQUIRE(ops.size() == 5);
  CHECK(ops[0] == Json{{"op", "set"},
                       {"ip", "192.0.2.1"},
                       {"name", "a.example.com"},
                       {"ttl", 3600},
                       {"description", "web"}});
  CHECK(ops[1] == Json{{"op", "set"}, {"ip", "192.0.2.2"}, {"name", "b.example.com"}});
  CHECK(ops[2]["description"] == "says \"hi\", twice");
  CHECK(!ops[2].contains("ttl"));
  CHECK(ops[3] == Json{{"op", "unset"}, {"ip", "192.0.2.4"}});
  CHECK(ops[4]["ttl"] == "soon");
  CHECK(lines == std::vector<size_t>{3, 5, 6, 7, 8});
  // JSON lines go to the server as written.
  std::istringstream in("{ \"op\": \"unset\",\"ip\":\"192.0.2.4\" }\n192.0.2.1,a.example\n");
  CHECK(read_batch(in, "ops", nullptr) ==
        R"([{ "op": "unset","ip":"192.0.2.4" },{"op":"set","ip":"192.0.2.1","name":"a.example"}])");
}

TEST_CASE("bad batch files name the line") {
  CHECK(batch_error("192.0.2.1\n") ==
        "ops.csv:1: expected ip,name[,ttl[,description]] (quote a description that holds "
        "commas)");
  CHECK(batch_error("192.0.2.1,a.b\n192.0.2.2,a.b,1,x,y\n").find("ops.csv:2: expected") == 0);
  CHECK(batch_error("192.0.2.1,a.b,1,\"open\n") == "ops.csv:1: a quoted field is not closed");
  CHECK(batch_error("{\"op\":\n") == "ops.csv:1: not a JSON object");
  CHECK(batch_error("{\"op\":\"unset\",\"ip\":\"192.0.2.4\"} x\n") ==
        "ops.csv:1: not a JSON object");
  CHECK(batch_error("{\"op\":\"unset\"}{\"op\":\"unset\"}\n") == "ops.csv:1: not a JSON object");
  CHECK(batch_error("{\"op\":\"set\",\"name\":\"\xff.example\"}\n") ==
        "ops.csv:1: not a JSON object");  // not UTF-8
  CHECK(batch_error("# nothing\n\n") == "ops.csv: no operations in it");
  std::ostringstream out, err;
  std::istringstream in;
  CHECK(run({"batch", "/nonexistent/ops.csv"}, nullptr, in, out, err) == kUsage);
  CHECK(err.str().find("rdnsctl: cannot read /nonexistent/ops.csv: ") == 0);
}

TEST_CASE("a batch larger than one request line is refused before sending") {
  // Long descriptions make a batch over the line limit with few lines.
  const std::string description(200, 'd');
  std::string text;
  for (size_t i = 0; text.size() < 2 * rdnsd::admin::kMaxLine; ++i)
    text += "192.0.2." + std::to_string(i % 250) + ",host-" + std::to_string(i) +
            ".example.com,60," + description + "\n";
  std::istringstream in(text);
  std::ostringstream out, err;
  CHECK(run({"--socket", "/nonexistent.sock", "batch", "-"}, nullptr, in, out, err) == kUsage);
  CHECK(err.str().find("split the batch") != std::string::npos);
}

TEST_CASE("an unreachable socket exits 3 and says why") {
  std::ostringstream out, err;
  std::istringstream in;
  CHECK(run({"zones"}, "/nonexistent/rdnsd.sock", in, out, err) == kUnreachable);
  CHECK(err.str() ==
        "rdnsctl: cannot connect to /nonexistent/rdnsd.sock: No such file or directory (is rdnsd "
        "running? the socket is set by --socket or RDNSD_SOCKET)\n");
}

TEST_CASE("output for people") {
  CHECK(
      printed(
          "set",
          R"({"ok":true,"record":{"ip":"192.0.2.2","ptr":"mail.example.com.","ttl":3600},"zone":"2.0.192.in-addr.arpa.","serial":5})") ==
      "set 192.0.2.2 -> mail.example.com. (ttl 3600) zone 2.0.192.in-addr.arpa. serial 5\n");
  CHECK(printed("unset",
                R"({"ok":true,"ip":"192.0.2.2","zone":"2.0.192.in-addr.arpa.","serial":6})") ==
        "unset 192.0.2.2 zone 2.0.192.in-addr.arpa. serial 6\n");
  std::string shown =
      printed("show", R"({"ok":true,"record":{"id":"x","ip":"192.0.2.2","ttl":60}})");
  CHECK(shown.find("id:          x\nip:          192.0.2.2\n") == 0);
  CHECK(shown.find("description: -\n") != std::string::npos);
  CHECK(
      printed(
          "list",
          R"({"ok":true,"records":[{"ip":"192.0.2.2","ptr":"a.example.","ttl":60,"description":""},{"ip":"192.0.2.10","ptr":"longer.example.","ttl":3600,"description":"x"}],"total":7,"offset":2,"limit":2,"next_offset":4})") ==
      "IP          PTR              TTL   DESCRIPTION\n"
      "192.0.2.2   a.example.       60    \n"
      "192.0.2.10  longer.example.  3600  x\n"
      "records 3-4 of 7\n"
      "more: --offset 4\n");
  CHECK(
      printed("list",
              R"({"ok":true,"records":[],"total":0,"offset":0,"limit":100,"next_offset":null})") ==
      "no records (0 match)\n");
  CHECK(
      printed(
          "quota",
          R"({"ok":true,"global":{"limit":null,"used":3},"zones":[{"zone":"2.0.192.in-addr.arpa.","limit":10,"used":3}]})") ==
      "SCOPE                  LIMIT  USED\n"
      "(all zones)            -      3\n"
      "2.0.192.in-addr.arpa.  10     3\n");
  std::string zones = printed(
      "zones",
      R"({"ok":true,"zones":[{"zone":"2.0.192.in-addr.arpa.","prefix":"192.0.2.0/24","serial":7,"served":true,"origin":"config","records":3,"max_records":null,"serial_policy":"increment"}]})");
  CHECK(zones ==
        "ZONE                   PREFIX        SERIAL  RECORDS  LIMIT  SERVED  ORIGIN  POLICY\n"
        "2.0.192.in-addr.arpa.  192.0.2.0/24  7       3        -      yes     config  increment\n");
  CHECK(
      printed(
          "zone-add",
          R"({"ok":true,"zones":[{"zone":"16.1.10.in-addr.arpa.","prefix":"10.1.16.0/24","serial":1},{"zone":"17.1.10.in-addr.arpa.","prefix":"10.1.17.0/24","serial":1}],"expanded_from":"10.1.16.0/23"})") ==
      "10.1.16.0/23 makes 2 zones:\n"
      "added zone 16.1.10.in-addr.arpa. (10.1.16.0/24) serial 1\n"
      "added zone 17.1.10.in-addr.arpa. (10.1.17.0/24) serial 1\n");
  CHECK(
      printed(
          "zone-remove",
          R"({"ok":true,"zone":"16.1.10.in-addr.arpa.","prefix":"10.1.16.0/24","removed_records":4})") ==
      "removed zone 16.1.10.in-addr.arpa. (10.1.16.0/24) and 4 records\n");
  CHECK(printed("zone-show",
                R"({"ok":true,"zone":{"zone":"z.","ns":["a.","b."],"soa":{"mname":"a."}}})")
            .find("ns:            a. b.\nsoa mname:     a.\n") != std::string::npos);
}

TEST_CASE("import and export build their requests, --origin stays with rdnsctl") {
  Invocation i = parse({"import", "zone.txt", "--origin", "2.0.192.in-addr.arpa.", "--dry-run",
                        "--actor", "restore"});
  CHECK(i.batch_file == "zone.txt");
  CHECK(i.request == Json{{"op", "import"}, {"dry_run", true}, {"actor", "restore"}});
  CHECK(i.local == Json{{"origin", "2.0.192.in-addr.arpa."}});
  CHECK(parse({"import", "-"}).batch_file == "-");
  CHECK(usage_error({"import"}).find("missing arguments for import") == 0);
  CHECK(usage_error({"import", "a", "--origin"}) == "option --origin needs a value");
  CHECK(parse({"export", "192.0.2.0/24"}).request ==
        Json{{"op", "export"}, {"zone", "192.0.2.0/24"}});
  CHECK(usage_error({"export", "a", "b"}).find("too many arguments for export") == 0);
}

TEST_CASE("import output for people: counts, reasons, every skip with its line") {
  std::string out = printed(
      "import",
      R"({"ok":true,"records":4,"added":1,"replaced":1,"skipped":2,"reasons":{"not_ptr":1,"not_in_zone":1},
          "skips":[{"index":0,"line":3,"name":"2.0.192.in-addr.arpa.","type":"SOA","reason":"not_ptr","message":"a record of type SOA, not an IN PTR record"},
                   {"index":3,"line":12,"name":"7.100.51.198.in-addr.arpa.","type":"PTR","reason":"not_in_zone","message":"198.51.100.7 is not in any zone this server serves"}],
          "serials":[{"zone":"2.0.192.in-addr.arpa.","serial":8}],"dry_run":false})");
  CHECK(out ==
        "import: 4 records read: 1 added, 1 replaced, 2 skipped\n"
        "skipped: 1 not_ptr, 1 not_in_zone\n"
        "LINE  NAME                        TYPE  REASON       DETAIL\n"
        "3     2.0.192.in-addr.arpa.       SOA   not_ptr      a record of type SOA, not an IN PTR "
        "record\n"
        "12    7.100.51.198.in-addr.arpa.  PTR   not_in_zone  198.51.100.7 is not in any zone this "
        "server serves\n"
        "zone 2.0.192.in-addr.arpa. serial 8\n");
  out =
      printed("import",
              R"({"ok":true,"records":1,"added":1,"replaced":0,"skipped":0,"reasons":{},"skips":[],
                    "serials":[{"zone":"z.","serial":2}],"dry_run":true})");
  CHECK(out ==
        "import (dry run, nothing was changed): 1 records read: 1 added, 0 replaced, 0 skipped\n"
        "zone z. serial 2 (if applied)\n");
}

TEST_CASE("the pager: only on a terminal, only when the output does not fit") {
  Terminal t;
  CHECK_FALSE(should_page(t, 1000));  // not a terminal
  t.out_tty = true;
  CHECK_FALSE(should_page(t, 1000));  // screen size unknown
  t.rows = 24;
  CHECK_FALSE(should_page(t, 23));
  CHECK(should_page(t, 24));
  CHECK(pager_command(nullptr) == "less -FRX");
  CHECK(pager_command("") == "less -FRX");
  CHECK(pager_command("more") == "more");
}

TEST_CASE("the progress bar draws on one line and clears it") {
  std::ostringstream err;
  {
    ProgressBar bar(err, "reading z.txt", 2 << 20, 100);
    bar.update(1 << 20, 12345);
    CHECK(err.str().find("\r\033[Kreading z.txt [") == 0);
    CHECK(err.str().find("] 50%  1.0 MiB of 2.0 MiB  12345 records") != std::string::npos);
    bar.status("sending");
    CHECK(err.str().find("\r\033[Kreading z.txt sending") != std::string::npos);
  }
  CHECK(err.str().substr(err.str().size() - 4) == "\r\033[K");
  std::ostringstream unknown;
  ProgressBar bar(unknown, "reading <stdin>", 0, 0);
  bar.update(3 << 20, 7);
  CHECK(unknown.str() == "\r\033[Kreading <stdin> 3.0 MiB  7 records");
}

TEST_CASE("token add, list and revoke build their requests") {
  Invocation a =
      parse({"token", "add", "t1", "--scope", "write", "--prefix", "192.0.2.0/26", "--prefix",
             "2001:db8:1234:5600::/56", "--quota", "5", "--expires", "2030-01-01"});
  CHECK(a.command == "token-add");
  CHECK(a.request == Json{{"op", "token-add"},
                          {"name", "t1"},
                          {"scopes", {"write"}},
                          {"prefixes", {"192.0.2.0/26", "2001:db8:1234:5600::/56"}},
                          {"quota", 5},
                          {"expires", "2030-01-01"}});
  CHECK(parse({"token", "list"}).request == Json{{"op", "token-list"}});
  CHECK(parse({"token", "revoke", "t1"}).request == Json{{"op", "token-revoke"}, {"name", "t1"}});
  CHECK(usage_error({"token"}).find("token needs add, list or revoke") != std::string::npos);
  CHECK(usage_error({"token", "fly"}).find("unknown command 'token fly'") != std::string::npos);
  CHECK(usage_error({"token", "set", "1.2.3.4", "x"}).find("unknown command") != std::string::npos);
  CHECK(usage_error({"token", "revoke"}).find("missing arguments") != std::string::npos);
}
