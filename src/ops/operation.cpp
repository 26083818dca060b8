// Helpers shared by the operations (operation.h).
#include "zklora/ops/operation.h"

#include <type_traits>
#include <vector>

#include "zklora/piop/logup.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {

Fr PublicTensor::evaluate(std::span<const Fr> point) const {
  const PaddedShape shape(dims());
  const std::vector<int64_t> v = values();
  return mle_evaluate(TableView(shape.pad(std::span<const int64_t>(v))), point);
}

void ZeroTensor::absorb(Transcript& t) const {
  t.domain("public-zero");
  absorb_dims(t, "dims", dims_);
}

std::vector<int64_t> ZeroTensor::values() const { return std::vector<int64_t>(PaddedShape(dims_).numel(), 0); }

std::optional<ProverClaim> OpProver::combined_claim(TensorRef r) {
  const std::span<const ProverClaim> cs = claims(r);
  if (cs.empty()) return std::nullopt;
  if (cs.size() == 1) return cs[0];
  const TensorData& t = tensor(r);
  return combine_claims_prove(ch(), t.padded(), tensor_vars(t.dims), cs, threads());
}

ProverValue OpProver::evaluate(TensorRef r, std::span<const Fr> point, std::string_view label) {
  if (r.role == TensorRef::Role::INPUT) {
    if (const PublicTensor* p = public_input(r.index)) return ProverValue::constant(p->evaluate(point));
  }
  const ProverValue v = ch().send(label, mle_evaluate(tensor(r).padded(), point, threads()));
  add_claim(r, {std::vector<Fr>(point.begin(), point.end()), v});
  return v;
}

Result<std::optional<VerifierClaim>> OpVerifier::combined_claim(TensorRef r) {
  const std::span<const VerifierClaim> cs = claims(r);
  if (cs.empty()) return std::optional<VerifierClaim>();
  if (cs.size() == 1) return std::optional<VerifierClaim>(cs[0]);
  auto c = combine_claims_verify(ch(), tensor_vars(dims(r)), cs);
  if (!c) return c.error();
  return std::optional<VerifierClaim>(std::move(c.value()));
}

Result<VerifierValue> OpVerifier::evaluate(TensorRef r, std::span<const Fr> point, std::string_view label) {
  if (r.role == TensorRef::Role::INPUT) {
    if (const PublicTensor* p = public_input(r.index)) return VerifierValue::constant(p->evaluate(point));
  }
  auto v = ch().receive(label);
  if (!v) return v.error();
  add_claim(r, {std::vector<Fr>(point.begin(), point.end()), v.value()});
  return v.value();
}

Fr selector_eval(std::span<const uint64_t> dims, std::span<const Fr> z) { return lookup_selector_eval(dims, z); }

unsigned tensor_vars(std::span<const uint64_t> dims) {
  return PaddedShape(std::vector<uint64_t>(dims.begin(), dims.end())).num_vars();
}

void absorb_dims(Transcript& t, std::string_view label, std::span<const uint64_t> dims) {
  std::vector<uint8_t> bytes;
  for (const uint64_t d : dims) {
    for (unsigned i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(d >> (8 * i)));
  }
  t.absorb_bytes(label, bytes);
}

Fr pow2_fr(unsigned e) { return Fr::from_u128(static_cast<unsigned __int128>(1) << e); }

std::vector<Fr> concat_points(std::initializer_list<std::span<const Fr>> parts) {
  std::vector<Fr> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<int64_t> view_to_i64(const TableView& v) {
  return v.visit([](const auto& s) {
    using T = std::decay_t<decltype(s[0])>;
    if constexpr (std::is_same_v<T, Fr>) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "an integer tensor holds field elements");
      return std::vector<int64_t>();
    } else {
      return std::vector<int64_t>(s.begin(), s.end());
    }
  });
}

std::vector<i128> view_to_i128(const TableView& v) {
  return v.visit([](const auto& s) {
    std::vector<i128> out(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if constexpr (std::is_same_v<std::decay_t<decltype(s[0])>, Fr>) {
        auto x = s[i].to_i128();
        if (!x) throw ZkError(ErrorCode::OUT_OF_RANGE, "an exact value past 127 bits");
        out[i] = x.value();
      } else {
        out[i] = s[i];
      }
    }
    return out;
  });
}

OwnedTable exact_table(const std::vector<i128>& v) {
  bool small = true;
  for (const i128 x : v) small = small && x >= INT64_MIN && x <= INT64_MAX;
  if (small) return OwnedTable(std::vector<int64_t>(v.begin(), v.end()));
  std::vector<Fr> f(v.size());
  for (size_t i = 0; i < v.size(); ++i) f[i] = Fr::from_i128(v[i]);
  return OwnedTable::of_field(std::move(f));
}

}  // namespace zklora
