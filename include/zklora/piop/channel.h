// The channel between protocol code and the transcript: how the prover sends what it knows and how the
// verifier checks relations on it, in the clear (debug mode) or hidden in Pedersen commitments (zero-knowledge
// mode, DESIGN.md section 4 "Zero knowledge", Hyrax's approach: Wahby et al. 2018, section 4).
//
// Protocol code (sumcheck, matrix products, claim combination, openings) is written once against this
// interface and runs unchanged over both implementations:
//
//   prover side                                 verifier side
//   ProverValue x = ch.send("label", v)         VerifierValue x = ch.receive("label")
//   (linear maps of ProverValues)               (the same linear maps of VerifierValues)
//   ch.prove_zero("label", e)                   ch.check_zero("label", e, CODE)     e = 0 ?
//   ProverValue p = ch.mul("label", a, b)       VerifierValue p = ch.mul("label", a, b, CODE)   p = a b
//   Fr c = ch.challenge("label")                Fr c = ch.challenge("label")
//
// A ProverValue is what the prover knows of a value: the value and, in ZK mode, the blinding factor of its
// commitment. A VerifierValue is what the verifier holds: the value itself (clear mode) or a commitment to it
// (ZK mode); it offers no way to read the value, so verifier code can only combine values linearly and ask the
// channel to check relations, which is exactly what a commitment supports:
//   - linear maps (a + b, s a, a + c for public s, c) are homomorphic on commitments: y U + beta H;
//   - "e = 0" is a Schnorr proof of knowledge of the blinding of e's commitment (pcs/sigma.h);
//   - "p = a b" is a proof of product (pcs/sigma.h).
// Public constants (ProverValue::constant / VerifierValue::constant) are known to both sides; products with a
// constant are linear and cost nothing.
//
// What each mode writes to the proof stream (and absorbs into the transcript, under the call's label):
//                     clear (ValueProverChannel)        zero knowledge (ZkProverChannel)
//   send(v)           v, 32 bytes                        C = v U + beta H, 48 bytes, fresh beta
//   send_public(v)    v, 32 bytes                        v, 32 bytes
//   prove_zero(e)     nothing (the verifier computes e)  A = k H (48), z (32): z H = A + c C_e
//   mul(a, b)         nothing (the verifier computes ab) C_p (48), alpha, beta, delta (3 x 48), z1..z5 (5 x 32)
//   sync(label)       the first 16 bytes of the transcript's digest, in both modes. A proof calls it once, at
//                     its start, after the statement (commitments, public inputs) has been absorbed: a proof
//                     made against a different transcript (another statement, another history) then fails with
//                     TRANSCRIPT_MISMATCH instead of at some later check. Sub-protocols do not sync: a tampered
//                     message is reported by the check that reads it (a sync after it would only say that the
//                     transcripts differ).
// Sub-protocols with their own encodings (Hyrax openings) write to writer() / read from reader() and use
// transcript() directly.
//
// The zero-knowledge verifier works lazily. A VerifierValue is a linear combination, with field coefficients, of
// the points the proof sent (and a multiple of U): linear maps are field arithmetic on the coefficients, no group
// operation. Each proof of zero and proof of product adds its verification equations (linear in the points) to a
// list, checked all at once by flush() (finish() flushes): one multi-scalar multiplication of their combination
// with random weights (the verifier's own randomness, after the whole proof is fixed), times the cofactor. Points
// of the stream are decoded on the curve without a subgroup check: every equation is multiplied by h_eff
// (G1::mul_cofactor), so only their order-r components take part, which is all the binding and soundness
// arguments use (a prover could add a component of small order to a message; it changes the transcript's hash,
// which a prover can change freely anyway by its blinds, and nothing the verifier accepts). When the combined
// check fails, the equations are checked one by one and the first failing one is reported with its own code, so
// a ZK verifier reports the same code as a clear one. A value's commitment (for an opening) is made when asked for.
// The points themselves are read as encodings and decoded together when first needed (before an opening's
// commitments, and by flush), in parallel; a bad encoding is reported then, with the label of its message.
// Caveats. A relation's ErrorCode is chosen by the protocol, so a failed check reports the same code in both
// modes. Provers check relations before proving them and throw ZkError on a false one (a bug in the caller or a
// false statement), so a proof is never made for a false relation by accident. Every call absorbs what it sends;
// a proof of zero or of product absorbs its own messages, not the commitments it is about (they are linear
// combinations of what the transcript already holds).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"
#include "zklora/pcs/codec.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

enum class ChannelMode : uint8_t {
  CLEAR = 0,           // values in the clear: debugging, tests, statements that are public anyway
  ZERO_KNOWLEDGE = 1,  // Pedersen commitments and Sigma protocols
};

// What the prover knows of a value sent through a channel (or a linear map of such values).
class ProverValue {
 public:
  ProverValue() = default;
  static ProverValue constant(const Fr& v) { return ProverValue(v, Fr::zero(), true); }

  const Fr& value() const { return value_; }
  // The blinding factor of the verifier's commitment (zero in clear mode and for constants).
  const Fr& blind() const { return blind_; }
  bool is_constant() const { return constant_; }

  ProverValue operator+(const ProverValue& o) const {
    return {value_ + o.value_, blind_ + o.blind_, constant_ && o.constant_};
  }
  ProverValue operator-(const ProverValue& o) const {
    return {value_ - o.value_, blind_ - o.blind_, constant_ && o.constant_};
  }
  ProverValue operator-() const { return {-value_, -blind_, constant_}; }
  ProverValue operator*(const Fr& s) const { return {value_ * s, blind_ * s, constant_}; }
  ProverValue operator+(const Fr& c) const { return {value_ + c, blind_, constant_}; }
  ProverValue operator-(const Fr& c) const { return {value_ - c, blind_, constant_}; }
  ProverValue& operator+=(const ProverValue& o) { return *this = *this + o; }
  ProverValue& operator-=(const ProverValue& o) { return *this = *this - o; }

 private:
  friend class ProverChannel;
  ProverValue(const Fr& v, const Fr& b, bool c) : value_(v), blind_(b), constant_(c) {}
  Fr value_, blind_;
  bool constant_ = true;
};

inline ProverValue operator*(const Fr& s, const ProverValue& v) { return v * s; }

// The points a zero-knowledge verifier received, in order (what lazy values refer to). A point is read as its
// encoding and decoded later, with every other pending one, in parallel (VerifierChannel::decode_points): a
// decoding is a square root in Fp, and a proof sends tens of thousands of points, a few at a time.
struct ReceivedPoints {
  struct Pending {
    uint32_t index;                          // into points
    std::array<uint8_t, G1::kBytes> bytes;  // its encoding
    uint32_t label;                          // into labels: the message it came in
  };
  std::vector<G1Affine> points;  // entries named by a pending encoding are not decoded yet
  std::vector<Pending> pending;
  std::vector<std::string> labels;
};

// One term of a lazy value: coeff times the received point `point`.
struct LinTerm {
  uint32_t point;
  Fr coeff;
};

// What the verifier holds of a value the prover sent: the value (clear mode) or a commitment y U + beta H, held as
// the linear combination of received points it is (zero-knowledge mode).
class VerifierValue {
 public:
  VerifierValue() = default;
  static VerifierValue constant(const Fr& v) {
    VerifierValue x;
    x.value_ = v;
    return x;
  }

  bool is_constant() const { return constant_; }
  bool is_committed() const { return committed_; }
  // The commitment y U + beta H to the value (for a value in the clear: y U). What a Hyrax opening of a claim
  // with this value is checked against.
  G1 commitment() const;

  VerifierValue operator+(const VerifierValue& o) const;
  VerifierValue operator-(const VerifierValue& o) const;
  VerifierValue operator-() const;
  VerifierValue operator*(const Fr& s) const;
  VerifierValue operator+(const Fr& c) const;
  VerifierValue operator-(const Fr& c) const { return *this + (-c); }
  VerifierValue& operator+=(const VerifierValue& o) { return *this = *this + o; }
  VerifierValue& operator-=(const VerifierValue& o) { return *this = *this - o; }

 private:
  friend class ValueVerifierChannel;
  friend class ZkVerifierChannel;
  friend class VerifierChannel;
  static VerifierValue clear(const Fr& v) {
    VerifierValue x;
    x.value_ = v;
    x.constant_ = false;
    return x;
  }
  static VerifierValue received(std::shared_ptr<const ReceivedPoints> points, uint32_t index) {
    VerifierValue x;
    x.terms_.push_back({index, Fr::one()});
    x.points_ = std::move(points);
    x.committed_ = true;
    x.constant_ = false;
    return x;
  }
  Fr value_;                                     // clear: the value; committed: the coefficient of U
  std::vector<LinTerm> terms_;                   // committed: the received points and their coefficients
  std::shared_ptr<const ReceivedPoints> points_;  // what terms_ index
  bool committed_ = false;
  bool constant_ = true;
};

inline VerifierValue operator*(const Fr& s, const VerifierValue& v) { return v * s; }

// ---- Prover side ---------------------------------------------------------------------------------------------

class ProverChannel {
 public:
  explicit ProverChannel(Transcript& transcript) : t_(transcript) {}
  virtual ~ProverChannel() = default;
  ProverChannel(const ProverChannel&) = delete;
  ProverChannel& operator=(const ProverChannel&) = delete;

  virtual ChannelMode mode() const = 0;
  Transcript& transcript() { return t_; }
  ByteWriter& writer() { return w_; }
  const std::vector<uint8_t>& proof() const { return w_.bytes(); }
  std::vector<uint8_t> take_proof() { return w_.take(); }

  void sync(std::string_view label);

  // Values that depend on the witness.
  virtual std::vector<ProverValue> send(std::string_view label, std::span<const Fr> values) = 0;
  ProverValue send(std::string_view label, const Fr& value);
  // Values that are public anyway: in the clear in both modes; constants afterwards.
  std::vector<ProverValue> send_public(std::string_view label, std::span<const Fr> values);

  Fr challenge(std::string_view label) { return t_.challenge_fr(label); }
  std::vector<Fr> challenges(std::string_view label, size_t n) { return t_.challenge_frs(label, n); }

  // e = 0 (ZkError INVALID_ARGUMENT if not: the prover never proves a false relation, unless it was made a
  // cheating prover by allow_false_relations).
  virtual void prove_zero(std::string_view label, const ProverValue& e) = 0;
  void prove_equal(std::string_view label, const ProverValue& a, const ProverValue& b) { prove_zero(label, a - b); }
  // Sends p = a b and proves the product; a constant factor makes it a linear map (nothing sent).
  ProverValue mul(std::string_view label, const ProverValue& a, const ProverValue& b);

  // For soundness tests: the prover keeps going where a relation it must prove does not hold, sending what an
  // honest run would send (a proof of zero built from the blind, a sumcheck fitted to the false claim), as a
  // cheating prover would; the verifier must reject the result.
  void allow_false_relations() { allow_false_ = true; }
  bool allows_false_relations() const { return allow_false_; }

 protected:
  virtual ProverValue mul_values(std::string_view label, const ProverValue& a, const ProverValue& b) = 0;
  static ProverValue make(const Fr& v, const Fr& blind) { return ProverValue(v, blind, false); }
  Transcript& t_;
  ByteWriter w_;
  bool allow_false_ = false;
};

// Sends values in the clear.
class ValueProverChannel final : public ProverChannel {
 public:
  using ProverChannel::ProverChannel;
  using ProverChannel::send;
  ChannelMode mode() const override { return ChannelMode::CLEAR; }
  std::vector<ProverValue> send(std::string_view label, std::span<const Fr> values) override;
  void prove_zero(std::string_view label, const ProverValue& e) override;

 protected:
  ProverValue mul_values(std::string_view label, const ProverValue& a, const ProverValue& b) override;
};

// Sends Pedersen commitments and proves relations with Sigma protocols.
class ZkProverChannel final : public ProverChannel {
 public:
  using ProverChannel::ProverChannel;
  using ProverChannel::send;
  ChannelMode mode() const override { return ChannelMode::ZERO_KNOWLEDGE; }
  std::vector<ProverValue> send(std::string_view label, std::span<const Fr> values) override;
  void prove_zero(std::string_view label, const ProverValue& e) override;

 protected:
  ProverValue mul_values(std::string_view label, const ProverValue& a, const ProverValue& b) override;
};

std::unique_ptr<ProverChannel> make_prover_channel(ChannelMode mode, Transcript& transcript);

// ---- Verifier side -------------------------------------------------------------------------------------------

class VerifierChannel {
 public:
  VerifierChannel(Transcript& transcript, std::span<const uint8_t> proof) : t_(transcript), r_(proof) {}
  virtual ~VerifierChannel() = default;
  VerifierChannel(const VerifierChannel&) = delete;
  VerifierChannel& operator=(const VerifierChannel&) = delete;

  virtual ChannelMode mode() const = 0;
  Transcript& transcript() { return t_; }
  ByteReader& reader() { return r_; }

  Status sync(std::string_view label);

  virtual Result<std::vector<VerifierValue>> receive(std::string_view label, size_t n) = 0;
  Result<VerifierValue> receive(std::string_view label);
  // Public values (send_public); also returned as constants.
  Result<std::vector<Fr>> receive_public(std::string_view label, size_t n);

  Fr challenge(std::string_view label) { return t_.challenge_fr(label); }
  std::vector<Fr> challenges(std::string_view label, size_t n) { return t_.challenge_frs(label, n); }

  // Ok iff e = 0; otherwise an Error with `code` and `what` in its message.
  virtual Status check_zero(std::string_view label, const VerifierValue& e, ErrorCode code,
                            std::string_view what) = 0;
  Status check_equal(std::string_view label, const VerifierValue& a, const VerifierValue& b, ErrorCode code,
                     std::string_view what) {
    return check_zero(label, a - b, code, what);
  }
  // p = a b as the prover sent it, checked (with `code` on failure).
  Result<VerifierValue> mul(std::string_view label, const VerifierValue& a, const VerifierValue& b, ErrorCode code,
                            std::string_view what);

  // Checks every deferred relation (zero-knowledge mode; nothing in clear mode): ok, or the first failing one's
  // error. Verifiers flush before they return, so a failure earlier in the proof is reported first.
  virtual Status flush() { return {}; }
  // Decodes the points received so far (zero-knowledge mode): ok, or the first bad encoding's error (its message's
  // label and BAD_POINT_ENCODING or POINT_NOT_ON_CURVE). Needed before VerifierValue::commitment; flush does it.
  virtual Status decode_points() { return {}; }
  // What is being verified ("operation rescale 'x'"): named in a deferred relation's error.
  void set_context(std::string context) { context_ = std::move(context); }
  // flush(), then ok iff the whole proof was read (TRAILING_PROOF_BYTES otherwise).
  Status finish() {
    if (Status s = flush(); !s) return s;
    return r_.finish();
  }

 protected:
  virtual Result<VerifierValue> mul_values(std::string_view label, const VerifierValue& a, const VerifierValue& b,
                                           ErrorCode code, std::string_view what) = 0;
  static const Fr& clear_value(const VerifierValue& v) { return v.value_; }
  Transcript& t_;
  ByteReader r_;
  std::string context_;
};

class ValueVerifierChannel final : public VerifierChannel {
 public:
  using VerifierChannel::VerifierChannel;
  using VerifierChannel::receive;
  ChannelMode mode() const override { return ChannelMode::CLEAR; }
  Result<std::vector<VerifierValue>> receive(std::string_view label, size_t n) override;
  Status check_zero(std::string_view label, const VerifierValue& e, ErrorCode code, std::string_view what) override;

 protected:
  Result<VerifierValue> mul_values(std::string_view label, const VerifierValue& a, const VerifierValue& b,
                                   ErrorCode code, std::string_view what) override;
};

class ZkVerifierChannel final : public VerifierChannel {
 public:
  ZkVerifierChannel(Transcript& transcript, std::span<const uint8_t> proof);
  using VerifierChannel::receive;
  ChannelMode mode() const override { return ChannelMode::ZERO_KNOWLEDGE; }
  Result<std::vector<VerifierValue>> receive(std::string_view label, size_t n) override;
  Status check_zero(std::string_view label, const VerifierValue& e, ErrorCode code, std::string_view what) override;
  Status flush() override;
  Status decode_points() override;

 protected:
  Result<VerifierValue> mul_values(std::string_view label, const VerifierValue& a, const VerifierValue& b,
                                   ErrorCode code, std::string_view what) override;

 private:
  // sum terms + u U + h H = 0 (times the cofactor), or the error `code` with `what`.
  struct Equation {
    std::vector<LinTerm> terms;
    Fr u, h;
    ErrorCode code;
    std::string what;
  };
  // A received point, decoded later: its index among the points.
  uint32_t add_encoded(std::span<const uint8_t> bytes, uint32_t label);
  uint32_t add_label(std::string_view label);
  std::shared_ptr<ReceivedPoints> points_;
  std::vector<Equation> equations_;
};

std::unique_ptr<VerifierChannel> make_verifier_channel(ChannelMode mode, Transcript& transcript,
                                                       std::span<const uint8_t> proof);

}  // namespace zklora
