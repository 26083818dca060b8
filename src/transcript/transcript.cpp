#include "zklora/transcript/transcript.h"

#include <openssl/evp.h>

#include <string>

#include "zklora/base/error.h"

namespace zklora {
namespace {

const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw ZkError(ErrorCode::IO, "OpenSSL has no SHA-256 implementation");
  return md;
}

void check(int ok, const char* what) {
  if (ok != 1) throw ZkError(ErrorCode::IO, std::string("OpenSSL SHA-256 failed in ") + what);
}

std::array<uint8_t, 8> le64(uint64_t v) {
  std::array<uint8_t, 8> out{};
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
  return out;
}

}  // namespace

void Transcript::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Transcript::Transcript() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw ZkError(ErrorCode::IO, "out of memory for a SHA-256 context");
}

Transcript::Transcript(std::string_view protocol) : Transcript() {
  check(EVP_DigestInit_ex(ctx_.get(), sha256(), nullptr), "init");
  const std::string_view version = kTranscriptVersion;
  frame(Kind::DOMAIN, version, {reinterpret_cast<const uint8_t*>(protocol.data()), protocol.size()});
}

Transcript::Transcript(const Transcript& other) : Transcript() {
  check(EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()), "copy");
}

Transcript& Transcript::operator=(const Transcript& other) {
  if (this != &other) check(EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()), "copy");
  return *this;
}

Transcript::Transcript(Transcript&&) noexcept = default;
Transcript& Transcript::operator=(Transcript&&) noexcept = default;
Transcript::~Transcript() = default;

void Transcript::update(const void* data, size_t size) {
  if (size != 0) check(EVP_DigestUpdate(ctx_.get(), data, size), "update");
}

void Transcript::frame(Kind kind, std::string_view label, std::span<const uint8_t> data) {
  const uint8_t k = static_cast<uint8_t>(kind);
  update(&k, 1);
  update(le64(label.size()).data(), 8);
  update(label.data(), label.size());
  update(le64(data.size()).data(), 8);
  update(data.data(), data.size());
}

void Transcript::domain(std::string_view protocol) {
  frame(Kind::DOMAIN, "protocol", {reinterpret_cast<const uint8_t*>(protocol.data()), protocol.size()});
}

void Transcript::absorb_bytes(std::string_view label, std::span<const uint8_t> data) {
  frame(Kind::ABSORB, label, data);
}

void Transcript::absorb_u64(std::string_view label, uint64_t value) { frame(Kind::ABSORB, label, le64(value)); }

void Transcript::absorb_fr(std::string_view label, const Fr& value) { frame(Kind::ABSORB, label, value.to_bytes()); }

void Transcript::absorb_frs(std::string_view label, std::span<const Fr> values) {
  std::vector<uint8_t> data;
  data.reserve(values.size() * Fr::kBytes);
  for (const Fr& v : values) {
    const auto b = v.to_bytes();
    data.insert(data.end(), b.begin(), b.end());
  }
  frame(Kind::ABSORB, label, data);
}

void Transcript::absorb_g1(std::string_view label, const G1& point) {
  frame(Kind::ABSORB, label, point.to_bytes());
}

void Transcript::absorb_g1s(std::string_view label, std::span<const G1> points) {
  std::vector<uint8_t> data;
  data.reserve(points.size() * G1::kBytes);
  for (const G1& p : points) {
    const auto b = p.to_bytes();
    data.insert(data.end(), b.begin(), b.end());
  }
  frame(Kind::ABSORB, label, data);
}

Fr Transcript::challenge_fr(std::string_view label) {
  frame(Kind::CHALLENGE, label, {});
  std::array<uint8_t, Fr::kWideBytes> wide{};
  for (uint8_t half = 0; half < 2; ++half) {
    Transcript copy(*this);
    copy.update(&half, 1);
    unsigned int len = 0;
    check(EVP_DigestFinal_ex(copy.ctx_.get(), wide.data() + 32 * half, &len), "final");
  }
  update(wide.data(), wide.size());
  return Fr::from_wide_bytes(wide);
}

std::vector<Fr> Transcript::challenge_frs(std::string_view label, size_t n) {
  std::vector<Fr> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(challenge_fr(label));
  return out;
}

Transcript Transcript::fork(std::string_view label, uint64_t index) const {
  Transcript child(*this);
  child.frame(Kind::FORK, label, le64(index));
  return child;
}

std::array<uint8_t, 32> Transcript::digest() const {
  Transcript copy(*this);
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(copy.ctx_.get(), out.data(), &len), "final");
  return out;
}

}  // namespace zklora
