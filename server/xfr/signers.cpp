#include "server/xfr/signers.h"

#include <ctime>

#include "zonestore/names/names.h"

namespace rdnsd::xfr {
namespace {

uint64_t now() {
  return uint64_t(std::time(nullptr));
}

class StreamSigner final : public MessageSigner {
 public:
  StreamSigner(Keys keys, const tsig::Verified& request)
      : keys_(std::move(keys)), size_(tsig::signed_size(*request.key)), signer_(request) {}
  size_t reserve() const override { return size_; }
  size_t sign(uint8_t* msg, size_t len, size_t cap) override {
    return signer_.sign(msg, len, cap, now());
  }

 private:
  Keys keys_;  // the signer points at a key of the keyring
  size_t size_;
  tsig::Signer signer_;
};

class ErrorSigner final : public MessageSigner {
 public:
  ErrorSigner(Keys keys, const tsig::Verified& request)
      : keys_(std::move(keys)), request_(request) {}
  size_t reserve() const override { return tsig::answer_size(request_); }
  size_t sign(uint8_t* msg, size_t len, size_t cap) override {
    if (request_.status == tsig::Status::BadKey || request_.status == tsig::Status::BadSig)
      return tsig::append_unsigned_error(msg, len, cap, request_.located, request_.error);
    return tsig::sign_answer(msg, len, cap, request_, now());
  }

 private:
  Keys keys_;
  tsig::Verified request_;
};

class NotifySigner final : public RequestSigner {
 public:
  NotifySigner(Keys keys, const tsig::Key& key) : keys_(std::move(keys)), key_(key) {}
  size_t reserve() const override { return tsig::signed_size(key_); }
  size_t sign(uint8_t* msg, size_t len, size_t cap) override {
    tsig::SignSpec spec;
    spec.key = &key_;
    spec.time_signed = now();
    return tsig::sign(msg, len, cap, spec, &mac_);
  }
  bool verify(const uint8_t* msg, size_t len) override {
    return tsig::verify_response(msg, len, key_, mac_.view(), now()).status == tsig::Status::Ok;
  }

 private:
  Keys keys_;
  const tsig::Key& key_;
  tsig::Mac mac_;
};

}  // namespace

std::unique_ptr<MessageSigner> stream_signer(Keys keys, const tsig::Verified& request) {
  return std::make_unique<StreamSigner>(std::move(keys), request);
}

std::unique_ptr<MessageSigner> error_signer(Keys keys, const tsig::Verified& request) {
  return std::make_unique<ErrorSigner>(std::move(keys), request);
}

SignerFactory request_signers(Keys keys) {
  return [keys](const std::string& name) -> std::unique_ptr<RequestSigner> {
    if (!keys) return nullptr;
    auto wire = names::text_to_wire(name);
    if (!wire) return nullptr;
    const tsig::Key* key = keys->find(reinterpret_cast<const uint8_t*>(wire->data()), wire->size());
    if (!key) return nullptr;
    return std::make_unique<NotifySigner>(keys, *key);
  };
}

}  // namespace rdnsd::xfr
