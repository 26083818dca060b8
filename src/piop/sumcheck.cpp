// The generic sumcheck prover and verifier (sumcheck.h).
#include "zklora/piop/sumcheck.h"

#include <algorithm>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

constexpr std::string_view kName = "sumcheck";
// Half-table sizes below which a round runs on the calling thread (a parallel region costs more).
constexpr size_t kParallelHalf = size_t{1} << 13;

// Coefficients of the Lagrange basis on the nodes 0..d: basis[k][j] = coefficient of X^j in L_k(X).
std::vector<std::vector<Fr>> lagrange_basis(uint32_t d) {
  std::vector<std::vector<Fr>> basis(d + 1, std::vector<Fr>(d + 1));
  for (uint32_t k = 0; k <= d; ++k) {
    std::vector<Fr> num(1, Fr::one());  // prod_{m != k} (X - m)
    Fr den = Fr::one();
    for (uint32_t m = 0; m <= d; ++m) {
      if (m == k) continue;
      std::vector<Fr> next(num.size() + 1);
      const Fr fm = Fr::from_u64(m);
      for (size_t j = 0; j < num.size(); ++j) {
        next[j + 1] += num[j];
        next[j] -= num[j] * fm;
      }
      num = std::move(next);
      den *= Fr::from_i64(static_cast<int64_t>(k) - static_cast<int64_t>(m));
    }
    const Fr inv = den.inverse();
    for (uint32_t j = 0; j <= d; ++j) basis[k][j] = num[j] * inv;
  }
  return basis;
}

void absorb_shape(Transcript& t, const SumcheckShape& s) {
  t.domain(kName);
  t.absorb_u64("num-vars", s.num_vars);
  t.absorb_u64("degree", s.degree());
  t.absorb_frs("eq-point", s.eq_point);
  t.absorb_u64("tables", s.num_tables);
  t.absorb_u64("terms", s.terms.size());
  for (const SumcheckTerm& term : s.terms) {
    t.absorb_fr("coeff", term.coeff);
    std::vector<uint8_t> f;
    for (const uint32_t j : term.factors) {
      for (size_t b = 0; b < 4; ++b) f.push_back(static_cast<uint8_t>(j >> (8 * b)));
    }
    t.absorb_bytes("factors", f);
  }
}

// The coefficient a round does not send: the one the round's relation a t(0) + b t(1) = s fixes. With
// t(X) = sum_k c_k X^k, t(0) = c_0 and t(1) = sum_k c_k; b != 0 (always, but for z_i = 0): c_1 is derived,
// c_1 = (s - a c_0) / b - c_0 - sum_{k >= 2} c_k; b = 0 (so a = 1): c_0 = s / a. Degree 0: c_0 = s / (a + b).
size_t derived_index(uint32_t d, const Fr& b) { return d >= 1 && !b.is_zero() ? 1 : 0; }

template <class V>
V derived_coefficient(uint32_t d, const Fr& a, const Fr& b, const V& s, const std::vector<V>& c) {
  if (d == 0) return s * (a + b).inverse();
  if (b.is_zero()) return s * a.inverse();
  V rest = c[0];
  for (uint32_t k = 2; k <= d; ++k) rest += c[k];
  return (s - c[0] * a) * b.inverse() - rest;
}

// Sends the d coefficients of a round other than the derived one; returns all d + 1 as the verifier holds them.
std::vector<ProverValue> send_round(ProverChannel& ch, const std::vector<Fr>& coeffs, const Fr& a, const Fr& b,
                                    const ProverValue& s) {
  const uint32_t d = static_cast<uint32_t>(coeffs.size()) - 1;
  const size_t skip = derived_index(d, b);
  std::vector<Fr> sent;
  for (size_t k = 0; k <= d; ++k) {
    if (k != skip) sent.push_back(coeffs[k]);
  }
  const std::vector<ProverValue> got = ch.send("round", sent);
  std::vector<ProverValue> c(d + 1);
  for (size_t k = 0, j = 0; k <= d; ++k) {
    if (k != skip) c[k] = got[j++];
  }
  c[skip] = derived_coefficient(d, a, b, s, c);
  return c;
}

Result<std::vector<VerifierValue>> receive_round(VerifierChannel& ch, uint32_t d, const Fr& a, const Fr& b,
                                                 const VerifierValue& s) {
  const size_t skip = derived_index(d, b);
  auto got = ch.receive("round", d);
  if (!got) return got.error();
  std::vector<VerifierValue> c(d + 1);
  for (size_t k = 0, j = 0; k <= d; ++k) {
    if (k != skip) c[k] = (*got)[j++];
  }
  c[skip] = derived_coefficient(d, a, b, s, c);
  return c;
}

// The weights (a_i, b_i) of variable i.
std::pair<Fr, Fr> var_weights(const SumcheckShape& s, size_t i) {
  if (i < s.eq_point.size()) return {Fr::one() - s.eq_point[i], s.eq_point[i]};
  return {Fr::one(), Fr::one()};
}

// One round's evaluations t(x) for x in `points`, over pairs p in [0, half): pair p combines f_j[p] (x_i = 0)
// and f_j[p + half] (x_i = 1); its weight is w[p >> free_bits].
class RoundEvaluator {
 public:
  RoundEvaluator(const SumcheckShape& s, std::span<const uint32_t> points) : s_(s), points_(points) {
    used_.assign(s.num_tables, false);
    for (const auto& t : s.terms) {
      for (const uint32_t j : t.factors) used_[j] = true;
      coeff_one_.push_back(t.coeff.is_one());
    }
    max_point_ = points.empty() ? 0 : *std::max_element(points.begin(), points.end());
    products_ = max_point_ <= 2 && !s.terms.empty();
    for (const auto& t : s.terms) products_ = products_ && t.factors.size() == 2;
  }

  // Adds sum_{p in [p0, p1)} w[p >> free_bits] P(f(..., x, p)) to acc[e] for x = points[e].
  void run(const std::vector<std::vector<Fr>>& tables, size_t half, std::span<const Fr> w, unsigned free_bits,
           size_t p0, size_t p1, std::vector<Fr>& acc) const {
    if (products_) {
      run_products(tables, half, w, free_bits, p0, p1, acc);
      return;
    }
    const size_t np = points_.size();
    const size_t nt = tables.size();
    std::vector<Fr> vals(nt * (max_point_ + 1));  // vals[j * (max + 1) + x] = f_j(x)
    std::vector<Fr> inner(np), prod(np);
    acc.assign(np, Fr::zero());
    size_t cur = p0 >> free_bits;
    auto flush = [&] {
      for (size_t e = 0; e < np; ++e) {
        acc[e] += w[cur] * inner[e];
        inner[e] = Fr::zero();
      }
    };
    const size_t stride = max_point_ + 1;
    for (size_t p = p0; p < p1; ++p) {
      if ((p >> free_bits) != cur) {
        flush();
        cur = p >> free_bits;
      }
      for (size_t j = 0; j < nt; ++j) {
        if (!used_[j]) continue;
        Fr* v = &vals[j * stride];
        v[0] = tables[j][p];
        if (max_point_ >= 1) v[1] = tables[j][p + half];
        if (max_point_ >= 2) {
          const Fr diff = v[1] - v[0];
          for (size_t x = 2; x <= max_point_; ++x) v[x] = v[x - 1] + diff;
        }
      }
      for (size_t t = 0; t < s_.terms.size(); ++t) {
        const auto& f = s_.terms[t].factors;
        for (size_t e = 0; e < np; ++e) {
          const uint32_t x = points_[e];
          Fr acc_t = f.empty() ? Fr::one() : vals[f[0] * stride + x];
          for (size_t k = 1; k < f.size(); ++k) acc_t *= vals[f[k] * stride + x];
          prod[e] = coeff_one_[t] ? acc_t : acc_t * s_.terms[t].coeff;
        }
        for (size_t e = 0; e < np; ++e) inner[e] += prod[e];
      }
    }
    flush();
  }

 private:
  // run() for the commonest shape, every term a product of two tables (matrix products, the openings' batches, the
  // LogUp layers): each term reads its four entries directly, with no per-table staging. The same sums in the same
  // order, so the same round polynomial.
  void run_products(const std::vector<std::vector<Fr>>& tables, size_t half, std::span<const Fr> w,
                    unsigned free_bits, size_t p0, size_t p1, std::vector<Fr>& acc) const {
    const size_t np = points_.size();
    const size_t nt = s_.terms.size();
    struct Term {
      const Fr* a;
      const Fr* b;
      const Fr* coeff;  // null for one
    };
    std::vector<Term> terms(nt);
    for (size_t t = 0; t < nt; ++t) {
      const auto& f = s_.terms[t].factors;
      terms[t] = {tables[f[0]].data(), tables[f[1]].data(), coeff_one_[t] ? nullptr : &s_.terms[t].coeff};
    }
    Fr inner[3], prod;
    acc.assign(np, Fr::zero());
    size_t cur = p0 >> free_bits;
    auto flush = [&] {
      for (size_t e = 0; e < np; ++e) {
        acc[e] += w[cur] * inner[e];
        inner[e] = Fr::zero();
      }
    };
    for (size_t p = p0; p < p1; ++p) {
      if ((p >> free_bits) != cur) {
        flush();
        cur = p >> free_bits;
      }
      for (const Term& t : terms) {
        const Fr &a0 = t.a[p], &a1 = t.a[p + half], &b0 = t.b[p], &b1 = t.b[p + half];
        for (size_t e = 0; e < np; ++e) {
          // A zero factor (padding, a selector's zeros) skips the product.
          switch (points_[e]) {
            case 0:
              if (a0.is_zero() || b0.is_zero()) continue;
              prod = a0 * b0;
              break;
            case 1:
              if (a1.is_zero() || b1.is_zero()) continue;
              prod = a1 * b1;
              break;
            default: {  // x = 2
              const Fr a2 = a1 + a1 - a0, b2 = b1 + b1 - b0;
              if (a2.is_zero() || b2.is_zero()) continue;
              prod = a2 * b2;
              break;
            }
          }
          if (t.coeff != nullptr) prod *= *t.coeff;
          inner[e] += prod;
        }
      }
    }
    flush();
  }

  const SumcheckShape& s_;
  std::span<const uint32_t> points_;
  std::vector<bool> used_;
  std::vector<bool> coeff_one_;
  uint32_t max_point_ = 0;
  bool products_ = false;
};

}  // namespace

uint32_t SumcheckShape::degree() const {
  size_t d = 0;
  for (const auto& t : terms) d = std::max(d, t.factors.size());
  return static_cast<uint32_t>(d);
}

Status SumcheckShape::validate() const {
  if (num_vars > 40) return make_error(ErrorCode::INVALID_ARGUMENT, "sumcheck over more than 40 variables");
  if (eq_point.size() > num_vars) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "sumcheck eq point of " + std::to_string(eq_point.size()) +
                                                       " coordinates for " + std::to_string(num_vars) + " variables");
  }
  if (terms.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "sumcheck without terms");
  for (const auto& t : terms) {
    if (t.factors.size() > kSumcheckMaxDegree) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "sumcheck term of degree " + std::to_string(t.factors.size()));
    }
    for (const uint32_t j : t.factors) {
      if (j >= num_tables) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "sumcheck factor " + std::to_string(j) + " of " +
                                                           std::to_string(num_tables) + " tables");
      }
    }
  }
  return {};
}

SumcheckProverResult sumcheck_prove(ProverChannel& ch, const SumcheckShape& shape, std::vector<std::vector<Fr>> tables,
                                    const ProverValue& claim, int threads) {
  if (Status s = shape.validate(); !s) throw ZkError(s.error());
  const size_t n = shape.num_vars;
  if (tables.size() != shape.num_tables) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "sumcheck_prove: " + std::to_string(tables.size()) + " tables for " +
                                                   std::to_string(shape.num_tables));
  }
  std::vector<bool> used(tables.size(), false);
  for (const auto& term : shape.terms) {
    for (const uint32_t j : term.factors) used[j] = true;
  }
  for (size_t j = 0; j < tables.size(); ++j) {
    const auto& t = tables[j];
    if (t.empty() && !used[j]) continue;  // not folded; its evaluation is the caller's to derive
    if (t.size() != (size_t{1} << n)) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "sumcheck_prove: a table of " + std::to_string(t.size()) +
                                                     " entries for " + std::to_string(n) + " variables");
    }
  }
  const uint32_t d = shape.degree();
  const auto basis = lagrange_basis(d);
  const size_t zlen = shape.eq_point.size();
  Transcript& t = ch.transcript();
  absorb_shape(t, shape);

  // w_>0: the eq table of z_1..z_{|z|-1}.
  std::vector<Fr> w = zlen >= 1 ? eq_table(std::span<const Fr>(shape.eq_point).subspan(1), Fr::one(), threads)
                                : std::vector<Fr>{Fr::one()};
  SumcheckProverResult out;
  ProverValue s = claim;
  Fr s_value = claim.value();
  std::vector<uint32_t> pts_skip1, pts_skip0, pts_all;
  for (uint32_t x = 0; x <= d; ++x) {
    pts_all.push_back(x);
    if (x != 1) pts_skip1.push_back(x);
    if (x != 0) pts_skip0.push_back(x);
  }
  const int th = resolve_threads(threads);
  for (size_t i = 0; i < n; ++i) {
    const size_t half = size_t{1} << (n - i - 1);
    const auto [a, b] = var_weights(shape, i);
    // Evaluate t at d of the d + 1 nodes; the last follows from a t(0) + b t(1) = s_i.
    const std::vector<uint32_t>& pts = d == 0 ? pts_all : (!b.is_zero() ? pts_skip1 : pts_skip0);
    const RoundEvaluator ev(shape, pts);
    const unsigned w_bits = log2_ceil(w.size());
    const unsigned free_bits = static_cast<unsigned>(n - i - 1) - w_bits;
    std::vector<Fr> vals(pts.size());
    if (half < kParallelHalf || th == 1) {
      ev.run(tables, half, w, free_bits, 0, half, vals);
    } else {
      const size_t chunks = static_cast<size_t>(th) * 2;
      std::vector<std::vector<Fr>> partial(chunks);
      parallel_chunks(half, chunks, th, [&](size_t p0, size_t p1, size_t c) {
        ev.run(tables, half, w, free_bits, p0, p1, partial[c]);
      });
      for (const auto& part : partial) {
        for (size_t e = 0; e < vals.size(); ++e) vals[e] += part[e];
      }
    }
    std::vector<Fr> at(d + 1);
    for (size_t e = 0; e < pts.size(); ++e) at[pts[e]] = vals[e];
    if (d >= 1) {
      if (!b.is_zero()) {
        at[1] = (s_value - a * at[0]) * b.inverse();
      } else {
        at[0] = (s_value - b * at[1]) * a.inverse();
      }
    }
    std::vector<Fr> coeffs(d + 1);
    for (uint32_t k = 0; k <= d; ++k) {
      for (uint32_t j = 0; j <= d; ++j) coeffs[j] += at[k] * basis[k][j];
    }
    const std::vector<ProverValue> c = send_round(ch, coeffs, a, b, s);
    const Fr r = ch.challenge("r");
    out.point.push_back(r);
    // s_{i+1} = t_i(r) by Horner.
    s = c[d];
    s_value = coeffs[d];
    for (uint32_t j = d; j-- > 0;) {
      s = s * r + c[j];
      s_value = s_value * r + coeffs[j];
    }
    // Bind x_i in every table, and sum x_{i+1} out of the weight table.
    const int fold_threads = half < kParallelHalf ? 1 : th;
    parallel_chunks(half, static_cast<size_t>(fold_threads), fold_threads, [&](size_t p0, size_t p1, size_t) {
      for (auto& tab : tables) {
        if (tab.empty()) continue;
        // Equal pairs (zero padding, selectors, flat stretches) need no product.
        for (size_t p = p0; p < p1; ++p) {
          const Fr diff = tab[p + half] - tab[p];
          if (!diff.is_zero()) tab[p] += r * diff;
        }
      }
    });
    for (auto& tab : tables) {
      if (!tab.empty()) tab.resize(half);
    }
    if (w.size() > 1) {
      const size_t wh = w.size() / 2;
      for (size_t q = 0; q < wh; ++q) w[q] += w[q + wh];
      w.resize(wh);
    }
  }
  for (const auto& tab : tables) out.evaluations.push_back(tab.empty() ? Fr::zero() : tab[0]);
  Fr p_value;
  for (const auto& term : shape.terms) {
    Fr prod = term.coeff;
    for (const uint32_t j : term.factors) prod *= out.evaluations[j];
    p_value += prod;
  }
  if (p_value != s_value && !ch.allows_false_relations()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "sumcheck_prove: the claimed sum is not the sum over the tables");
  }
  out.final_value = s;
  return out;
}

Result<SubClaim> sumcheck_verify(VerifierChannel& ch, const SumcheckShape& shape, const VerifierValue& claim) {
  if (Status s = shape.validate(); !s) return s.error();
  const uint32_t d = shape.degree();
  absorb_shape(ch.transcript(), shape);
  SubClaim out;
  VerifierValue s = claim;
  for (size_t i = 0; i < shape.num_vars; ++i) {
    const auto [a, b] = var_weights(shape, i);
    auto c = receive_round(ch, d, a, b, s);
    if (!c) return c.error();
    const Fr r = ch.challenge("r");
    out.point.push_back(r);
    s = (*c)[d];
    for (uint32_t j = d; j-- > 0;) s = s * r + (*c)[j];
  }
  out.expected = s;
  return out;
}

void sumcheck_prove_final(ProverChannel& ch, const SumcheckShape& shape, const ProverValue& final_value,
                          std::span<const ProverValue> evaluations) {
  if (evaluations.size() != shape.num_tables) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "sumcheck_prove_final: " + std::to_string(evaluations.size()) +
                                                   " evaluations for " + std::to_string(shape.num_tables) + " tables");
  }
  ProverValue total = ProverValue::constant(Fr::zero());
  for (const auto& term : shape.terms) {
    ProverValue prod = ProverValue::constant(term.coeff);
    for (const uint32_t j : term.factors) prod = ch.mul("final-product", prod, evaluations[j]);
    total += prod;
  }
  ch.prove_zero("final", final_value - total);
}

Status sumcheck_verify_final(VerifierChannel& ch, const SumcheckShape& shape, const VerifierValue& expected,
                             std::span<const VerifierValue> evaluations) {
  if (evaluations.size() != shape.num_tables) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "sumcheck_verify_final: " + std::to_string(evaluations.size()) +
                                                       " evaluations for " + std::to_string(shape.num_tables) +
                                                       " tables");
  }
  constexpr ErrorCode code = ErrorCode::SUMCHECK_FINAL_MISMATCH;
  constexpr std::string_view what = "the claimed evaluations do not give the sumcheck's final value";
  VerifierValue total = VerifierValue::constant(Fr::zero());
  for (const auto& term : shape.terms) {
    VerifierValue prod = VerifierValue::constant(term.coeff);
    for (const uint32_t j : term.factors) {
      auto p = ch.mul("final-product", prod, evaluations[j], code, what);
      if (!p) return p.error();
      prod = *p;
    }
    total += prod;
  }
  return ch.check_zero("final", expected - total, code, what);
}

}  // namespace zklora
