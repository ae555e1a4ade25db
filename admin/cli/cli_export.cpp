// rdnsctl export: the answer is parsed as it arrives (nlohmann's SAX parser reading the
// socket), and each master-file line is written out at once, so that a zone of any size
// passes through in constant memory.
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <istream>
#include <ostream>
#include <streambuf>

#include "admin/cli/cli.h"

namespace rdnsd::admin::cli {
namespace {

// The connected socket as an input stream; every byte read is also copied to `tee`
// when set (--json prints the answer line unchanged).
class SocketBuf : public std::streambuf {
 public:
  SocketBuf(int fd, std::ostream* tee) : fd_(fd), tee_(tee) {}
  ~SocketBuf() override { close(fd_); }
  SocketBuf(const SocketBuf&) = delete;
  SocketBuf& operator=(const SocketBuf&) = delete;

 protected:
  int_type underflow() override {
    ssize_t n;
    do {
      n = ::recv(fd_, buffer_, sizeof buffer_, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return traits_type::eof();
    if (tee_) tee_->write(buffer_, n);
    setg(buffer_, buffer_, buffer_ + n);
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  int fd_;
  std::ostream* tee_;
  char buffer_[65536];
};

// Builds the answer object as usual, except the strings of the top-level "lines" array:
// those go to `out` (when set) one per line, and are not kept.
class ExportSax : public nlohmann::json_sax<Json> {
 public:
  explicit ExportSax(std::ostream* out) : out_(out) {}
  const Json& answer() const { return root_; }

  bool null() override { return add(nullptr); }
  bool boolean(bool v) override { return add(v); }
  bool number_integer(number_integer_t v) override { return add(v); }
  bool number_unsigned(number_unsigned_t v) override { return add(v); }
  bool number_float(number_float_t v, const string_t&) override { return add(v); }
  bool string(string_t& v) override {
    if (!in_lines_) return add(v);
    if (out_) *out_ << v << '\n';
    return true;
  }
  bool binary(binary_t&) override { return false; }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override {
    if (open_.size() == 1 && key_ == "lines") return in_lines_ = true;
    return open(Json::array());
  }
  bool end_array() override {
    if (in_lines_) return !(in_lines_ = false);
    return close();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  template <class V>
  bool add(V&& v) {
    if (open_.empty() || in_lines_) return false;  // a bare value, or a line that is no string
    Json* parent = open_.back();
    if (parent->is_object())
      (*parent)[key_] = std::forward<V>(v);
    else
      parent->push_back(std::forward<V>(v));
    return true;
  }
  bool open(Json container) {
    if (in_lines_) return false;
    if (open_.empty()) {
      root_ = std::move(container);
      open_.push_back(&root_);
      return true;
    }
    Json* parent = open_.back();
    Json* child = parent->is_object() ? &((*parent)[key_] = std::move(container))
                                      : &(parent->emplace_back(std::move(container)));
    open_.push_back(child);
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  std::ostream* out_;
  Json root_;
  std::vector<Json*> open_;  // the containers not yet closed, outermost first
  std::string key_;
  bool in_lines_ = false;
};

}  // namespace

int run_export(const Invocation& inv, std::ostream& out, std::ostream& err) {
  int fd = -1;
  try {
    fd = connect_socket(inv.socket);
    send_line(fd, inv.socket, {inv.request.dump(-1, ' ', false, Json::error_handler_t::replace)});
  } catch (const ConnectError& e) {
    if (fd >= 0) close(fd);
    err << "rdnsctl: " << e.what() << "\n";
    return kUnreachable;
  }
  SocketBuf buf(fd, inv.json ? &out : nullptr);
  std::istream in(&buf);
  ExportSax sax(inv.json ? nullptr : &out);
  bool whole = Json::sax_parse(in, &sax, Json::input_format_t::json, false);
  out.flush();
  const Json& a = sax.answer();
  if (!whole || !a.is_object() || !a.contains("ok")) {
    err << "rdnsctl: connection to " << inv.socket
        << " closed before the whole answer came; the output is incomplete\n";
    return kUnreachable;
  }
  if (a["ok"] != true) {
    const Json e = a.value("error", Json::object());
    err << "rdnsctl: error: " << e.value("code", "?") << ": " << e.value("message", "") << "\n";
    return kRefused;
  }
  return kOk;
}

}  // namespace rdnsd::admin::cli
