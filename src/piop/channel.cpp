// The clear and zero-knowledge channels (channel.h).
#include "zklora/piop/channel.h"

#include <algorithm>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/pcs/pedersen.h"
#include "zklora/curve/msm.h"
#include "zklora/pcs/sigma.h"

namespace zklora {
namespace {

constexpr size_t kSyncBytes = 16;

std::string failed(std::string_view what, std::string_view label) {
  return std::string(what) + " (check '" + std::string(label) + "')";
}

}  // namespace

// ---- VerifierValue ---------------------------------------------------------------------------------------------

namespace {

// Terms of one point merged once a combination has grown (sums of many claims).
constexpr size_t kCompactAt = 64;

std::vector<LinTerm> merged(std::vector<LinTerm> t) {
  std::sort(t.begin(), t.end(), [](const LinTerm& a, const LinTerm& b) { return a.point < b.point; });
  std::vector<LinTerm> out;
  for (const LinTerm& x : t) {
    if (!out.empty() && out.back().point == x.point) {
      out.back().coeff += x.coeff;
    } else {
      out.push_back(x);
    }
  }
  return out;
}

}  // namespace

G1 VerifierValue::commitment() const {
  if (committed_ && !terms_.empty() && !points_->pending.empty()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "VerifierValue::commitment: the channel's points are not decoded yet");
  }
  // y U from the generator's fixed-base table; a received point with coefficient +-1 (most claims: a value sent
  // as it is) is added, not multiplied.
  G1 c = pedersen_commit_scalar(value_, Fr::zero());
  if (!committed_ || terms_.empty()) return c;
  std::vector<G1Affine> pts;
  std::vector<Fr> sc;
  const Fr one = Fr::one(), minus_one = -Fr::one();
  for (const LinTerm& t : terms_) {
    const G1Affine& p = points_->points[t.point];
    if (t.coeff == one) {
      c += G1::from_affine(p);
    } else if (t.coeff == minus_one) {
      c -= G1::from_affine(p);
    } else {
      pts.push_back(p);
      sc.push_back(t.coeff);
    }
  }
  return pts.empty() ? c : c + msm(pts, sc, 1);
}

VerifierValue VerifierValue::operator+(const VerifierValue& o) const {
  VerifierValue x;
  x.value_ = value_ + o.value_;
  x.constant_ = constant_ && o.constant_;
  x.committed_ = committed_ || o.committed_;
  x.points_ = committed_ ? points_ : o.points_;
  x.terms_.reserve(terms_.size() + o.terms_.size());
  x.terms_ = terms_;
  x.terms_.insert(x.terms_.end(), o.terms_.begin(), o.terms_.end());
  if (x.terms_.size() > kCompactAt) x.terms_ = merged(std::move(x.terms_));
  return x;
}

VerifierValue VerifierValue::operator-(const VerifierValue& o) const { return *this + (-o); }

VerifierValue VerifierValue::operator-() const {
  VerifierValue x = *this;
  x.value_ = -value_;
  for (LinTerm& t : x.terms_) t.coeff = -t.coeff;
  return x;
}

VerifierValue VerifierValue::operator*(const Fr& s) const {
  VerifierValue x = *this;
  x.value_ = value_ * s;
  for (LinTerm& t : x.terms_) t.coeff *= s;
  return x;
}

VerifierValue VerifierValue::operator+(const Fr& c) const {
  VerifierValue x = *this;
  x.value_ = value_ + c;
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
  zero_prove(t_, e.blind()).write(w_);
}

ProverValue ZkProverChannel::mul_values(std::string_view label, const ProverValue& a, const ProverValue& b) {
  const Fr p = a.value() * b.value(), beta = Fr::random();
  const G1 cp = pedersen_commit_scalar(p, beta);
  w_.g1(cp);
  t_.absorb_g1(label, cp);
  product_prove(t_, pedersen_commit_scalar(a.value(), a.blind()), a.value(), a.blind(), b.value(), b.blind(), beta)
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

ZkVerifierChannel::ZkVerifierChannel(Transcript& transcript, std::span<const uint8_t> proof)
    : VerifierChannel(transcript, proof), points_(std::make_shared<ReceivedPoints>()) {}

uint32_t ZkVerifierChannel::add_label(std::string_view label) {
  points_->labels.emplace_back(label);
  return static_cast<uint32_t>(points_->labels.size() - 1);
}

uint32_t ZkVerifierChannel::add_encoded(std::span<const uint8_t> bytes, uint32_t label) {
  const auto index = static_cast<uint32_t>(points_->points.size());
  points_->points.emplace_back();
  ReceivedPoints::Pending p{index, {}, label};
  std::copy(bytes.begin(), bytes.end(), p.bytes.begin());
  points_->pending.push_back(p);
  return index;
}

Status ZkVerifierChannel::decode_points() {
  std::vector<ReceivedPoints::Pending>& pending = points_->pending;
  if (pending.empty()) return {};
  std::vector<uint8_t> bad(pending.size(), 0);
  parallel_for(pending.size(), pending.size() < 16 ? 1 : 0, [&](size_t i) {
    auto p = decode_g1_affine_on_curve(pending[i].bytes);
    if (p) {
      points_->points[pending[i].index] = *p;
    } else {
      bad[i] = 1;
    }
  }, 8);
  // The first bad encoding in proof order, decoded again for its error.
  for (size_t i = 0; i < pending.size(); ++i) {
    if (!bad[i]) continue;
    const Error e = decode_g1_affine_on_curve(pending[i].bytes).error();
    const std::string label = points_->labels[pending[i].label];
    pending.clear();
    return make_error(e.code, label + ": " + e.message);
  }
  pending.clear();
  points_->labels.clear();
  return {};
}

Result<std::vector<VerifierValue>> ZkVerifierChannel::receive(std::string_view label, size_t n) {
  if (Status s = r_.need_items(n, G1::kBytes, label); !s) return s.error();
  auto bytes = r_.raw(n * G1::kBytes, label);
  if (!bytes) return bytes.error();
  const uint32_t l = add_label(label);
  std::vector<VerifierValue> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t index = add_encoded(bytes->subspan(i * G1::kBytes, G1::kBytes), l);
    out.push_back(VerifierValue::received(points_, index));
  }
  // The same frame as the prover's absorb_g1s: the encodings, concatenated.
  t_.absorb_bytes(label, *bytes);
  return out;
}

Status ZkVerifierChannel::check_zero(std::string_view label, const VerifierValue& e, ErrorCode code,
                                     std::string_view what) {
  if (e.is_constant()) {
    if (!e.value_.is_zero()) return make_error(code, failed(what, label));
    return {};
  }
  auto proof = ZeroProofEncoding::read(r_);
  if (!proof) return proof.error();
  const Fr c = zero_challenge(t_, *proof);
  // z H - A - c C_e = 0
  const uint32_t a = add_encoded(proof->a, add_label("zero-proof commitment"));
  Equation eq{{{a, -Fr::one()}}, -(c * e.value_), proof->z, code,
              context_.empty() ? failed(what, label) : context_ + ": " + failed(what, label)};
  for (const LinTerm& t : e.terms_) eq.terms.push_back({t.point, -(c * t.coeff)});
  equations_.push_back(std::move(eq));
  return {};
}

Result<VerifierValue> ZkVerifierChannel::mul_values(std::string_view label, const VerifierValue& a,
                                                    const VerifierValue& b, ErrorCode code, std::string_view what) {
  auto got = receive(label, 1);
  if (!got) return got.error();
  const VerifierValue p = (*got)[0];
  auto proof = ProductProofEncoding::read(r_);
  if (!proof) return proof.error();
  const Fr c = product_challenge(t_, *proof);
  const uint32_t proof_label = add_label("product-proof commitment");
  const auto add_point = [&](const G1Encoding& x) { return add_encoded(x, proof_label); };
  const std::string why = context_.empty() ? failed(what, label) : context_ + ": " + failed(what, label);
  // alpha + c C_a - z1 U - z2 H = 0
  Equation e1{{{add_point(proof->alpha), Fr::one()}}, c * a.value_ - proof->z1, -proof->z2, code, why};
  for (const LinTerm& t : a.terms_) e1.terms.push_back({t.point, c * t.coeff});
  // beta + c C_b - z3 U - z4 H = 0
  Equation e2{{{add_point(proof->beta), Fr::one()}}, c * b.value_ - proof->z3, -proof->z4, code, why};
  for (const LinTerm& t : b.terms_) e2.terms.push_back({t.point, c * t.coeff});
  // delta + c C_p - z3 C_a - z5 H = 0
  Equation e3{{{add_point(proof->delta), Fr::one()}}, c * p.value_ - proof->z3 * a.value_, -proof->z5, code, why};
  for (const LinTerm& t : p.terms_) e3.terms.push_back({t.point, c * t.coeff});
  for (const LinTerm& t : a.terms_) e3.terms.push_back({t.point, -(proof->z3 * t.coeff)});
  equations_.push_back(std::move(e1));
  equations_.push_back(std::move(e2));
  equations_.push_back(std::move(e3));
  return p;
}

Status ZkVerifierChannel::flush() {
  if (Status s = decode_points(); !s) return s;
  if (equations_.empty()) return {};
  const std::vector<G1Affine>& pts = points_->points;
  // sum_k w_k (equation k), w_k random: zero (times the cofactor) iff every equation holds, except with
  // probability 1 / |Fr|.
  const auto check = [&](std::span<const Equation> eqs, bool weighted) {
    std::vector<Fr> coeff(pts.size());
    std::vector<bool> used(pts.size(), false);
    Fr u, h;
    for (const Equation& e : eqs) {
      const Fr w = weighted ? Fr::random() : Fr::one();
      for (const LinTerm& t : e.terms) {
        coeff[t.point] += w * t.coeff;
        used[t.point] = true;
      }
      u += w * e.u;
      h += w * e.h;
    }
    std::vector<G1Affine> msm_points{pedersen_value_generator().to_affine(), pedersen_blinding_generator().to_affine()};
    std::vector<Fr> msm_scalars{u, h};
    for (size_t i = 0; i < pts.size(); ++i) {
      if (!used[i]) continue;
      msm_points.push_back(pts[i]);
      msm_scalars.push_back(coeff[i]);
    }
    return msm(msm_points, msm_scalars, 0).mul_cofactor().is_identity();
  };
  std::vector<Equation> eqs = std::move(equations_);
  equations_.clear();
  if (check(eqs, true)) return {};
  for (size_t k = 0; k < eqs.size(); ++k) {
    if (!check(std::span(eqs).subspan(k, 1), false)) return make_error(eqs[k].code, eqs[k].what);
  }
  return make_error(ErrorCode::PROOF_REJECTED, "the proof's relations do not hold together");
}

std::unique_ptr<VerifierChannel> make_verifier_channel(ChannelMode mode, Transcript& transcript,
                                                       std::span<const uint8_t> proof) {
  if (mode == ChannelMode::ZERO_KNOWLEDGE) return std::make_unique<ZkVerifierChannel>(transcript, proof);
  return std::make_unique<ValueVerifierChannel>(transcript, proof);
}

}  // namespace zklora
