// The Fiat-Shamir transcript: SHA-256 (OpenSSL EVP) over a labelled, length-framed record of everything the
// prover sends, from which the verifier's challenges are derived (DESIGN.md section 2).
//
// The state is one running SHA-256 over a sequence of frames
//     frame = kind (1 byte) || le64(|label|) || label || le64(|data|) || data
// with kind one of DOMAIN, ABSORB, CHALLENGE, FORK, so no two different sequences of calls hash the same
// stream (framing makes the encoding injective). The constructor writes a DOMAIN frame with kTranscriptVersion
// and the protocol name; each sub-protocol calls domain(name) before it absorbs anything.
//
// A challenge writes a CHALLENGE frame with its label, then hashes two copies of the state extended by the
// bytes 0x00 and 0x01 into 64 bytes, reduced mod r (statistical distance from uniform below 2^-128); the 64
// bytes are absorbed back, so consecutive challenges differ. fork(label, i) copies the state and writes a FORK
// frame with label and i: sub-transcripts for independent parts of a proof (layers proven in parallel) that
// all depend on what was absorbed before the fork and on nothing absorbed by a sibling.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"

struct evp_md_ctx_st;

namespace zklora {

inline constexpr std::string_view kTranscriptVersion = "zklora-transcript-v1";

class Transcript {
 public:
  explicit Transcript(std::string_view protocol);
  Transcript(const Transcript& other);
  Transcript& operator=(const Transcript& other);
  Transcript(Transcript&&) noexcept;
  Transcript& operator=(Transcript&&) noexcept;
  ~Transcript();

  // Marks the start of a sub-protocol; everything after depends on its name.
  void domain(std::string_view protocol);

  void absorb_bytes(std::string_view label, std::span<const uint8_t> data);
  void absorb_u64(std::string_view label, uint64_t value);
  void absorb_fr(std::string_view label, const Fr& value);
  void absorb_frs(std::string_view label, std::span<const Fr> values);
  void absorb_g1(std::string_view label, const G1& point);
  void absorb_g1s(std::string_view label, std::span<const G1> points);

  Fr challenge_fr(std::string_view label);
  std::vector<Fr> challenge_frs(std::string_view label, size_t n);

  // An independent sub-transcript; this one is unchanged.
  Transcript fork(std::string_view label, uint64_t index) const;

  // SHA-256 of the state so far (does not change the state): for tests and for binding a proof file.
  std::array<uint8_t, 32> digest() const;

 private:
  enum class Kind : uint8_t { DOMAIN = 1, ABSORB = 2, CHALLENGE = 3, FORK = 4 };
  Transcript();
  void frame(Kind kind, std::string_view label, std::span<const uint8_t> data);
  void update(const void* data, size_t size);

  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

}  // namespace zklora
