// rdnsctl import: the resource records of an RFC 1035 master file, read with ldns one
// record at a time, as the records of one import request.
#include <memory>

#include "admin/cli/cli.h"

// After the C++ headers: ldns's common.h may define `bool` for C, which <optional> and
// <compare> cannot take.
#include <ldns/ldns.h>

namespace rdnsd::admin::cli {
namespace {

// Stands for "no origin": a relative name completed with it had no $ORIGIN to go by.
// RFC 6761 keeps "invalid." from ever being a real name.
constexpr const char* kNoOrigin = "no-origin.rdnsctl.invalid.";

struct RdfText {
  char* text;
  explicit RdfText(const ldns_rdf* rdf) : text(rdf ? ldns_rdf2str(rdf) : nullptr) {}
  ~RdfText() { free(text); }
  RdfText(const RdfText&) = delete;
  RdfText& operator=(const RdfText&) = delete;
  std::string str() const { return text ? text : ""; }
};

struct LdnsText {
  char* text;
  explicit LdnsText(char* t) : text(t) {}
  ~LdnsText() { free(text); }
  LdnsText(const LdnsText&) = delete;
  LdnsText& operator=(const LdnsText&) = delete;
  std::string str() const { return text ? text : ""; }
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The parse state ldns keeps between records: $TTL, $ORIGIN and the previous owner.
struct ParseState {
  uint32_t ttl = 3600;  // ldns's default when there is no $TTL and no TTL on the record
  ldns_rdf* origin = nullptr;
  ldns_rdf* prev = nullptr;
  int line = 0;
  ~ParseState() {
    if (origin) ldns_rdf_deep_free(origin);
    if (prev) ldns_rdf_deep_free(prev);
  }
};

// One record as the import request carries it; its RDATA as ldns prints it.
Json record_json(const ldns_rr* rr, int line, const std::string& where) {
  std::string name = RdfText(ldns_rr_owner(rr)).str();
  std::string data;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
    data += (i ? " " : "") + RdfText(ldns_rr_rdf(rr, i)).str();
  if (ends_with(name, kNoOrigin) ||
      (ldns_rr_get_type(rr) == LDNS_RR_TYPE_PTR && ends_with(data, kNoOrigin)))
    throw UsageError(where + "a relative name, and no $ORIGIN before it (or give --origin)");
  return Json{{"name", std::move(name)},
              {"type", LdnsText(ldns_rr_type2str(ldns_rr_get_type(rr))).str()},
              {"class", LdnsText(ldns_rr_class2str(ldns_rr_get_class(rr))).str()},
              {"ttl", ldns_rr_ttl(rr)},
              {"data", std::move(data)},
              {"line", line}};
}

ldns_rdf* origin_rdf(const std::string& origin, const std::string& name) {
  std::string text = origin.empty() ? kNoOrigin : origin;
  if (text.back() != '.') text += '.';
  ldns_rdf* rdf = ldns_dname_new_frm_str(text.c_str());
  if (!rdf) throw UsageError(name + ": --origin '" + origin + "' is not a domain name");
  return rdf;
}

// Line numbers of byte offsets in the file, counted forward as the parse moves on.
class Lines {
 public:
  explicit Lines(const std::string& text) : text_(text) {}
  // The line of the first byte of the record in [from, to): blank and comment lines
  // before it (which ldns reads in the same call) are passed over.
  size_t record_line(size_t from, size_t to) {
    size_t i = from;
    while (i < to) {
      char c = text_[i];
      if (c == ';')
        while (i < to && text_[i] != '\n') ++i;
      else if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        ++i;
      else
        break;
    }
    for (; pos_ < i && pos_ < text_.size(); ++pos_)
      if (text_[pos_] == '\n') ++line_;
    return line_;
  }

 private:
  const std::string& text_;
  size_t pos_ = 0, line_ = 1;
};

std::string read_all(std::FILE* in, const std::string& name) {
  std::string text;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, in)) > 0;) text.append(buf, n);
  if (std::ferror(in)) throw UsageError("cannot read " + name);
  return text;
}

}  // namespace

// The file is read whole first (it has to fit in one request anyway), so that ldns parses
// from memory and every record's line can be told from its byte offset: ldns's own line
// count runs ahead over the blank lines after a record.
Json read_master_file(std::FILE* in, const std::string& name, const std::string& origin,
                      const std::function<void(uint64_t bytes, size_t records)>& progress) {
  std::string text = read_all(in, name);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UsageError(name + ": no resource records in it");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> mem(fmemopen(text.data(), text.size(), "r"),
                                                      std::fclose);
  if (!mem) throw UsageError("cannot read " + name + ": out of memory");
  Json records = Json::array();
  Lines lines(text);
  ParseState st;
  st.origin = origin_rdf(origin, name);
  for (;;) {
    size_t from = size_t(std::ftell(mem.get()));
    ldns_rr* raw = nullptr;
    ldns_status status =
        ldns_rr_new_frm_fp_l(&raw, mem.get(), &st.ttl, &st.origin, &st.prev, &st.line);
    std::unique_ptr<ldns_rr, void (*)(ldns_rr*)> rr(raw, ldns_rr_free);
    size_t to = size_t(std::ftell(mem.get()));
    size_t line = lines.record_line(from, to);
    std::string where = name + ":" + std::to_string(line) + ": ";
    if (status == LDNS_STATUS_OK) {
      records.push_back(record_json(rr.get(), int(line), where));
      if (progress && records.size() % 256 == 0) progress(to, records.size());
      continue;
    }
    if (status == LDNS_STATUS_SYNTAX_EMPTY && std::feof(mem.get())) break;
    if (status == LDNS_STATUS_SYNTAX_EMPTY || status == LDNS_STATUS_SYNTAX_TTL ||
        status == LDNS_STATUS_SYNTAX_ORIGIN)
      continue;
    if (status == LDNS_STATUS_SYNTAX_INCLUDE) throw UsageError(where + "$INCLUDE is not supported");
    throw UsageError(where + ldns_get_errorstr_by_id(status));
  }
  if (progress) progress(text.size(), records.size());
  if (records.empty()) throw UsageError(name + ": no resource records in it");
  return records;
}

}  // namespace rdnsd::admin::cli
