// The clear and zero-knowledge channels (channel.h).
#include "zklora/piop/channel.h"

#include <string>

#include "zklora/pcs/pedersen.h"
#include "zklora/pcs/sigma.h"

namespace zklora {
namespace {

constexpr size_t kSyncBytes = 16;

std::string failed(std::string_view what, std::string_view label) {
  return std::string(what) + " (check '" + std::string(label) + "')";
}

}  // namespace

// ---- VerifierValue ---------------------------------------------------------------------------------------------

G1 VerifierValue::commitment() const {
  if (committed_) return point_;
  return pedersen_value_generator() * value_;
}

VerifierValue VerifierValue::operator+(const VerifierValue& o) const {
  if (!committed_ && !o.committed_) {
    VerifierValue x = *this;
    x.value_ = value_ + o.value_;
    x.constant_ = constant_ && o.constant_;
    return x;
  }
  return committed(commitment() + o.commitment());
}

VerifierValue VerifierValue::operator-(const VerifierValue& o) const { return *this + (-o); }

VerifierValue VerifierValue::operator-() const {
  VerifierValue x = *this;
  if (committed_) {
    x.point_ = -point_;
  } else {
    x.value_ = -value_;
  }
  return x;
}

VerifierValue VerifierValue::operator*(const Fr& s) const {
  VerifierValue x = *this;
  if (committed_) {
    x.point_ = point_ * s;
  } else {
    x.value_ = value_ * s;
  }
  return x;
}

VerifierValue VerifierValue::operator+(const Fr& c) const {
  VerifierValue x = *this;
  if (committed_) {
    x.point_ = point_ + pedersen_value_generator() * c;
  } else {
    x.value_ = value_ + c;
  }
  return x;
}

// ---- Prover side -----------------------------------------------------------------------------------------------

void ProverChannel::sync(std::string_view) {
  const auto d = t_.digest();
  w_.raw(std::span<const uint8_t>(d.data(), kSyncBytes));
}

ProverValue ProverChannel::send(std::string_view label, const Fr& value) {
  return send(label, std::span<const Fr>(&value, 1))[0];
}

std::vector<ProverValue> ProverChannel::send_public(std::string_view label, std::span<const Fr> values) {
  w_.frs(values);
  t_.absorb_frs(label, values);
  std::vector<ProverValue> out;
  out.reserve(values.size());
  for (const Fr& v : values) out.push_back(ProverValue::constant(v));
  return out;
}

ProverValue ProverChannel::mul(std::string_view label, const ProverValue& a, const ProverValue& b) {
  if (a.is_constant()) return b * a.value();
  if (b.is_constant()) return a * b.value();
  return mul_values(label, a, b);
}

std::vector<ProverValue> ValueProverChannel::send(std::string_view label, std::span<const Fr> values) {
  w_.frs(values);
  t_.absorb_frs(label, values);
  std::vector<ProverValue> out;
  out.reserve(values.size());
  for (const Fr& v : values) out.push_back(make(v, Fr::zero()));
  return out;
}

void ValueProverChannel::prove_zero(std::string_view label, const ProverValue& e) {
  if (!e.value().is_zero() && !allow_false_) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prover: relation '" + std::string(label) + "' does not hold");
  }
}

ProverValue ValueProverChannel::mul_values(std::string_view, const ProverValue& a, const ProverValue& b) {
  return make(a.value() * b.value(), Fr::zero());
}

std::vector<ProverValue> ZkProverChannel::send(std::string_view label, std::span<const Fr> values) {
  std::vector<ProverValue> out;
  std::vector<G1> commitments;
  out.reserve(values.size());
  commitments.reserve(values.size());
  for (const Fr& v : values) {
    const Fr beta = Fr::random();
    commitments.push_back(pedersen_commit_scalar(v, beta));
    out.push_back(make(v, beta));
  }
  for (const G1& c : commitments) w_.g1(c);
  t_.absorb_g1s(label, commitments);
  return out;
}

void ZkProverChannel::prove_zero(std::string_view label, const ProverValue& e) {
  if (!e.value().is_zero() && !allow_false_) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prover: relation '" + std::string(label) + "' does not hold");
  }
  if (e.is_constant()) return;  // both sides know it
  zero_prove(t_, pedersen_blinding_generator() * e.blind(), e.blind()).write(w_);
}

ProverValue ZkProverChannel::mul_values(std::string_view label, const ProverValue& a, const ProverValue& b) {
  const Fr p = a.value() * b.value(), beta = Fr::random();
  const G1 cp = pedersen_commit_scalar(p, beta);
  w_.g1(cp);
  t_.absorb_g1(label, cp);
  product_prove(t_, pedersen_commit_scalar(a.value(), a.blind()), pedersen_commit_scalar(b.value(), b.blind()), cp,
                a.value(), a.blind(), b.value(), b.blind(), beta)
      .write(w_);
  return make(p, beta);
}

std::unique_ptr<ProverChannel> make_prover_channel(ChannelMode mode, Transcript& transcript) {
  if (mode == ChannelMode::ZERO_KNOWLEDGE) return std::make_unique<ZkProverChannel>(transcript);
  return std::make_unique<ValueProverChannel>(transcript);
}

// ---- Verifier side ---------------------------------------------------------------------------------------------

Status VerifierChannel::sync(std::string_view label) {
  const auto d = t_.digest();
  auto got = r_.raw(kSyncBytes, "transcript check");
  if (!got) return got.error();
  if (!std::equal(got->begin(), got->end(), d.begin())) {
    return make_error(ErrorCode::TRANSCRIPT_MISMATCH,
                      "the proof was made against a different transcript (at '" + std::string(label) + "')");
  }
  return {};
}

Result<VerifierValue> VerifierChannel::receive(std::string_view label) {
  auto v = receive(label, 1);
  if (!v) return v.error();
  return (*v)[0];
}

Result<std::vector<Fr>> VerifierChannel::receive_public(std::string_view label, size_t n) {
  auto v = r_.frs(n, label);
  if (!v) return v.error();
  t_.absorb_frs(label, *v);
  return v;
}

Result<VerifierValue> VerifierChannel::mul(std::string_view label, const VerifierValue& a, const VerifierValue& b,
                                           ErrorCode code, std::string_view what) {
  if (a.is_constant()) return b * clear_value(a);
  if (b.is_constant()) return a * clear_value(b);
  return mul_values(label, a, b, code, what);
}

Result<std::vector<VerifierValue>> ValueVerifierChannel::receive(std::string_view label, size_t n) {
  auto v = r_.frs(n, label);
  if (!v) return v.error();
  t_.absorb_frs(label, *v);
  std::vector<VerifierValue> out;
  out.reserve(n);
  for (const Fr& x : *v) out.push_back(VerifierValue::clear(x));
  return out;
}

Status ValueVerifierChannel::check_zero(std::string_view label, const VerifierValue& e, ErrorCode code,
                                        std::string_view what) {
  if (e.is_committed()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "a committed value in a clear channel (check '" +
                                                       std::string(label) + "')");
  }
  if (!e.value_.is_zero()) return make_error(code, failed(what, label));
  return {};
}

Result<VerifierValue> ValueVerifierChannel::mul_values(std::string_view, const VerifierValue& a,
                                                       const VerifierValue& b, ErrorCode, std::string_view) {
  return VerifierValue::clear(a.value_ * b.value_);
}

Result<std::vector<VerifierValue>> ZkVerifierChannel::receive(std::string_view label, size_t n) {
  if (Status s = r_.need_items(n, G1::kBytes, label); !s) return s.error();
  std::vector<G1> points;
  points.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto p = r_.g1(label);
    if (!p) return p.error();
    points.push_back(*p);
  }
  t_.absorb_g1s(label, points);
  std::vector<VerifierValue> out;
  out.reserve(n);
  for (const G1& p : points) out.push_back(VerifierValue::committed(p));
  return out;
}

Status ZkVerifierChannel::check_zero(std::string_view label, const VerifierValue& e, ErrorCode code,
                                     std::string_view what) {
  if (e.is_constant()) {
    if (!e.value_.is_zero()) return make_error(code, failed(what, label));
    return {};
  }
  auto proof = ZeroProof::read(r_);
  if (!proof) return proof.error();
  if (Status s = zero_verify(t_, e.commitment(), *proof, code); !s) return make_error(code, failed(what, label));
  return {};
}

Result<VerifierValue> ZkVerifierChannel::mul_values(std::string_view label, const VerifierValue& a,
                                                    const VerifierValue& b, ErrorCode code, std::string_view what) {
  auto cp = r_.g1(label);
  if (!cp) return cp.error();
  t_.absorb_g1(label, *cp);
  auto proof = ProductProof::read(r_);
  if (!proof) return proof.error();
  if (Status s = product_verify(t_, a.commitment(), b.commitment(), *cp, *proof, code); !s) {
    return make_error(code, failed(what, label));
  }
  return VerifierValue::committed(*cp);
}

std::unique_ptr<VerifierChannel> make_verifier_channel(ChannelMode mode, Transcript& transcript,
                                                       std::span<const uint8_t> proof) {
  if (mode == ChannelMode::ZERO_KNOWLEDGE) return std::make_unique<ZkVerifierChannel>(transcript, proof);
  return std::make_unique<ValueVerifierChannel>(transcript, proof);
}

}  // namespace zklora
