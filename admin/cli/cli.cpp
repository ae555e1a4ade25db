#include "admin/cli/cli.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <sstream>

namespace rdnsd::admin::cli {
namespace {

enum class Kind { Text, Int, Flag, List, Local };  // Local: for rdnsctl, not sent

struct Option {
  const char* flag;   // "--ttl"
  const char* field;  // "ttl"
  Kind kind;
  const char* value;  // "N" in the usage text
};

struct Command {
  const char* name;
  std::vector<const char*> args;  // request fields of the positional arguments
  std::vector<Option> options;
  const char* synopsis;
  const char* summary;
  bool args_optional = false;  // the positional arguments may all be left out
};

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"set",
       {"ip", "name"},
       {{"--ttl", "ttl", Kind::Int, "N"},
        {"--description", "description", Kind::Text, "TEXT"},
        {"--actor", "actor", Kind::Text, "NAME"}},
       "set IP NAME [--ttl N] [--description TEXT] [--actor NAME]",
       "create or replace the PTR record of IP"},
      {"unset", {"ip"}, {}, "unset IP", "remove the PTR record of IP"},
      {"show", {"ip"}, {}, "show IP|ID", "show one record, by address or by id"},
      {"list",
       {},
       {{"--zone", "zone", Kind::Text, "ZONE"},
        {"--prefix", "prefix", Kind::Text, "CIDR"},
        {"--name", "name", Kind::Text, "TEXT"},
        {"--offset", "offset", Kind::Int, "N"},
        {"--limit", "limit", Kind::Int, "N"}},
       "list [--zone Z] [--prefix CIDR] [--name TEXT] [--offset N] [--limit N]",
       "list records in address order, a page at a time (limit 1..1000, default 100)"},
      {"zones", {}, {}, "zones", "list the zones"},
      {"zone-show", {"zone"}, {}, "zone-show ZONE", "show one zone (by apex or prefix)"},
      {"zone-add",
       {"prefix"},
       {{"--ns", "ns", Kind::List, "NAME"},
        {"--mname", "mname", Kind::Text, "NAME"},
        {"--rname", "rname", Kind::Text, "NAME"},
        {"--ttl", "ttl", Kind::Int, "N"},
        {"--serial-policy", "serial_policy", Kind::Text, "P"},
        {"--max-records", "max_records", Kind::Int, "N"},
        {"--refresh", "refresh", Kind::Int, "N"},
        {"--retry", "retry", Kind::Int, "N"},
        {"--expire", "expire", Kind::Int, "N"},
        {"--minimum", "minimum", Kind::Int, "N"},
        {"--soa-ttl", "soa_ttl", Kind::Int, "N"},
        {"--ns-ttl", "ns_ttl", Kind::Int, "N"},
        {"--fcrdns", "fcrdns", Kind::Text, "MODE"}},
       "zone-add PREFIX [--ns NAME]... [--mname NAME] [--rname NAME] [--ttl N]\n"
       "                [--serial-policy increment|unixtime|dateserial] [--max-records N]\n"
       "                [--refresh N] [--retry N] [--expire N] [--minimum N] [--soa-ttl N]\n"
       "                [--ns-ttl N] [--fcrdns off|warn|require]",
       "add the zone(s) of a prefix; missing values come from the config's zone-defaults"},
      {"zone-remove",
       {"zone"},
       {{"--force", "force", Kind::Flag, ""}},
       "zone-remove ZONE [--force]",
       "remove a zone (--force: also when it still holds records)"},
      {"quota", {}, {}, "quota", "show record limits and usage"},
      {"batch",
       {"file"},
       {{"--actor", "actor", Kind::Text, "NAME"}},
       "batch FILE|- [--actor NAME]",
       "apply set/unset ops (JSON lines, or CSV ip,name[,ttl[,description]]) at once"},
      {"import",
       {"file"},
       {{"--origin", "origin", Kind::Local, "NAME"},
        {"--actor", "actor", Kind::Text, "NAME"},
        {"--dry-run", "dry_run", Kind::Flag, ""}},
       "import FILE|- [--origin NAME] [--actor NAME] [--dry-run]",
       "add the PTR records of a master file at once; says what was skipped and why"},
      {"export",
       {"zone"},
       {},
       "export ZONE",
       "print a zone as a master file: SOA, NS, then its PTR records in address order"},
      {"backup",
       {"path"},
       {},
       "backup PATH",
       "write a consistent, compacted copy of the live store to the new file PATH\n"
       "      (writes go on meanwhile); restore by copying it over data.mdb in store.path"},
      {"check",
       {"ip"},
       {{"--zone", "zone", Kind::Text, "ZONE"}},
       "check IP | check --zone ZONE",
       "forward confirmation: does the PTR target of IP (or of every record of ZONE)\n"
       "      resolve back to the address?",
       true},
      {"wait",
       {"target"},
       {{"--timeout", "timeout", Kind::Local, "S"}},
       "wait IP|ZONE [--timeout S]",
       "wait until every secondary serves the record's (or zone's) last change: exit 0\n"
       "      when active, 1 on error (a secondary stayed behind), 4 after S seconds\n"
       "      (default 60)"},
      {"status",
       {},
       {},
       "status",
       "the server: version, uptime, workers, listeners, store size and map use, and\n"
       "      each zone with its serial, records and secondaries"},
      {"reload",
       {},
       {},
       "reload",
       "re-read the config file (as SIGHUP does) and say what changed; a bad file is\n"
       "      refused with FILE:LINE: reason and the running configuration stays"},
      {"token-add",
       {"name"},
       {{"--scope", "scopes", Kind::List, "S"},
        {"--prefix", "prefixes", Kind::List, "CIDR"},
        {"--quota", "quota", Kind::Int, "N"},
        {"--expires", "expires", Kind::Text, "DATE"}},
       "token add NAME --scope read|write|admin|metrics... [--prefix CIDR]... [--quota N]\n"
       "                [--expires DATE]",
       "make an HTTP API token for the addresses of its prefixes; prints its secret once"},
      {"token-list", {}, {}, "token list", "list the HTTP API tokens (never their secrets)"},
      {"token-revoke", {"name"}, {}, "token revoke NAME", "delete an HTTP API token"},
      {"help", {}, {}, "help [COMMAND]", "show this help, or one command's"},
  };
  return table;
}

const Command* find_command(std::string_view name) {
  for (const Command& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

const Option* find_option(const Command& c, std::string_view flag) {
  for (const Option& o : c.options)
    if (flag == o.flag) return &o;
  return nullptr;
}

// An integer if the whole text is one, else the text (the server then refuses it).
Json number_or_text(const std::string& text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && end == text.data() + text.size()) return n;
  return text;
}

bool looks_like_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

void add_option(Json& options, const Option& o, const std::string& value) {
  switch (o.kind) {
    case Kind::Text:
      options[o.field] = value;
      break;
    case Kind::Int:
      options[o.field] = number_or_text(value);
      break;
    case Kind::Flag:
      options[o.field] = true;
      break;
    case Kind::List:
      options[o.field].push_back(value);
      break;
    case Kind::Local:
      break;  // parse_args keeps it in Invocation::local
  }
}

// Checks the count of positional arguments and puts them into the request.
void take_positionals(Invocation& inv, const Command& c, const std::vector<std::string>& pos) {
  if (inv.command == "help") {
    if (pos.size() > 1) throw UsageError("help takes at most one command");
    if (!pos.empty() && !find_command(pos[0])) throw UsageError("unknown command '" + pos[0] + "'");
    if (!pos.empty()) inv.help_topic = pos[0];
    return;
  }
  if (pos.size() != c.args.size() && !(c.args_optional && pos.empty())) {
    std::string want = c.synopsis;
    throw UsageError(
        std::string(pos.size() < c.args.size() ? "missing arguments" : "too many arguments") +
        " for " + c.name + "; usage: rdnsctl " + want.substr(0, want.find('\n')));
  }
  for (size_t i = 0; i < pos.size(); ++i) {
    std::string field = c.args[i];
    if (field == "file") {
      inv.batch_file = pos[i];
      continue;
    }
    if (inv.command == "show" && looks_like_uuid(pos[i])) field = "id";
    inv.request[field] = pos[i];
  }
}

}  // namespace

namespace {

// The arguments read so far, while parse_args reads them.
struct ArgScan {
  Invocation inv;
  const Command* cmd = nullptr;
  std::vector<std::string> pos;
  Json options = Json::object();  // after the positionals in the request
  bool help = false;
  bool token = false;  // the word "token" came: the next word names its command
};

// A word that is not an option: the command, then its positionals.
void take_word(ArgScan& scan, const std::string& word) {
  if (scan.cmd) {
    scan.pos.push_back(word);
    return;
  }
  if (word == "token" && !scan.token) {  // "token add" is the command token-add
    scan.token = true;
    return;
  }
  const std::string name = scan.token ? "token-" + word : word;
  scan.cmd = find_command(name);
  if (!scan.cmd || (scan.token && name.rfind("token-", 0) != 0))
    throw UsageError("unknown command '" + (scan.token ? "token " + word : word) + "'");
  scan.inv.command = name;
  scan.inv.request["op"] = name;
}

// The option at args[i] (`--flag value` or `--flag=value`); moves `i` past its value.
void take_option(ArgScan& scan, const std::vector<std::string>& args, size_t& i) {
  const std::string& a = args[i];
  size_t eq = a.find('=');
  std::string flag = a.substr(0, eq);
  std::optional<std::string> inline_value;
  if (eq != std::string::npos) inline_value = a.substr(eq + 1);
  auto value = [&]() -> std::string {
    if (inline_value) return *inline_value;
    if (i + 1 >= args.size()) throw UsageError("option " + flag + " needs a value");
    return args[++i];
  };
  if (flag == "--help" || flag == "-h") {
    scan.help = true;
  } else if (flag == "--json" && !inline_value) {
    scan.inv.json = true;
  } else if (flag == "--socket") {
    scan.inv.socket = value();
  } else if (const Option* o = scan.cmd ? find_option(*scan.cmd, flag) : nullptr) {
    if (o->kind == Kind::Flag && inline_value)
      throw UsageError("option " + flag + " takes no value");
    if (o->kind == Kind::Local)
      scan.inv.local[o->field] = value();
    else
      add_option(scan.options, *o, o->kind == Kind::Flag ? "" : value());
  } else {
    throw UsageError("unknown option '" + flag + "'" +
                     (scan.cmd ? std::string(" for ") + scan.cmd->name : ""));
  }
}

// The invocation the whole command line makes: help, or the request with its
// positionals first.
Invocation finish_args(ArgScan& scan) {
  Invocation& inv = scan.inv;
  if (scan.help || (scan.cmd && inv.command == "help")) {
    if (scan.cmd && inv.command != "help") inv.help_topic = inv.command;
    inv.command = "help";
    if (scan.cmd && scan.cmd->name == std::string("help"))
      take_positionals(inv, *scan.cmd, scan.pos);
    return std::move(inv);
  }
  if (!scan.cmd && scan.token) throw UsageError("token needs add, list or revoke");
  if (!scan.cmd) throw UsageError("no command given");
  take_positionals(inv, *scan.cmd, scan.pos);
  for (auto& [key, v] : scan.options.items()) inv.request[key] = std::move(v);
  if (inv.command == "check" && inv.request.contains("ip") == inv.request.contains("zone"))
    throw UsageError(
        "check needs either an IP or --zone ZONE; usage: rdnsctl check IP | check "
        "--zone ZONE");
  if (inv.command == "backup") {
    // The server writes the file: a relative path means one from here.
    std::string path = inv.request.value("path", "");
    if (!path.empty() && path[0] != '/') {
      char* cwd = getcwd(nullptr, 0);
      if (cwd) inv.request["path"] = std::string(cwd) + "/" + path;
      free(cwd);
    }
  }
  if (inv.socket.empty()) throw UsageError("--socket needs a path");
  return std::move(inv);
}

}  // namespace

Invocation parse_args(const std::vector<std::string>& args, const char* env_socket) {
  ArgScan scan;
  scan.inv.socket = env_socket && *env_socket ? env_socket : kDefaultSocket;
  bool no_more_options = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (no_more_options || a.size() < 2 || a[0] != '-')
      take_word(scan, a);
    else if (a == "--")
      no_more_options = true;
    else
      take_option(scan, args, i);
  }
  return finish_args(scan);
}

std::string usage(const std::string& command) {
  std::ostringstream out;
  if (const Command* c = command.empty() ? nullptr : find_command(command)) {
    out << "usage: rdnsctl [--socket PATH] [--json] " << c->synopsis << "\n\n"
        << c->summary << "\n";
    return out.str();
  }
  out << "usage: rdnsctl [--socket PATH] [--json] COMMAND [ARGS...]\n\n"
      << "Manages the reverse (PTR) records of a running rdnsd over its admin socket.\n\n"
      << "commands:\n";
  for (const Command& c : commands()) out << "  " << c.synopsis << "\n      " << c.summary << "\n";
  out << "\noptions:\n"
      << "  --socket PATH  the admin socket (default: $RDNSD_SOCKET, else " << kDefaultSocket
      << ")\n"
      << "  --json         print the server's JSON answer unchanged\n"
      << "  --help, -h     this help\n\n"
      << "exit status: 0 done, 1 refused by the server, 2 usage error, 3 cannot reach rdnsd\n";
  return out.str();
}

}  // namespace rdnsd::admin::cli
