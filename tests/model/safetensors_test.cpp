// The safetensors reader and writer: exact float conversions, round trips in every float dtype, the writer's
// layout (aligned header, no overwrite), and handcrafted bad files in the manner of llama.cpp's test-gguf, each
// rejected with a message that names the file, the tensor and the broken rule.
#include "zklora/model/safetensors.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

namespace zklora {
namespace {

// A file made of an 8-byte length, the header text and `data` bytes; `length` overrides the length field.
std::string make_file(const std::string& header, const std::string& data, std::optional<uint64_t> length = {}) {
  const uint64_t n = length.value_or(header.size());
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The error message of parsing `file`, or "" if it parses.
std::string parse_error(const std::string& file) {
  const Result<SafetensorsHeader> h = parse_safetensors_header(bytes_of(file), "bad.safetensors");
  if (h.ok()) return "";
  EXPECT_EQ(h.code(), ErrorCode::INVALID_ARGUMENT);
  return h.error().message;
}

void expect_rejected(const std::string& file, const std::vector<std::string>& words) {
  const std::string msg = parse_error(file);
  ASSERT_FALSE(msg.empty()) << "accepted a bad file";
  EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
  for (const std::string& w : words) EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' not in: " << msg;
}

TEST(Safetensors, HalfConversionsRoundTripEveryValue) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f)))) << h;
      continue;
    }
    ASSERT_EQ(f32_to_f16(f), h) << h;
    const float b = bf16_to_f32(static_cast<uint16_t>(h));
    if (!std::isnan(b)) {
      ASSERT_EQ(f32_to_bf16(b), h) << h;
    }
  }
}

TEST(Safetensors, NarrowingRoundsToNearestEven) {
  // Halfway between 1 and the next half (1 + 2^-10): ties to the even mantissa 1.
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3C00);
  EXPECT_EQ(f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3C02);  // tie to even upwards
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3C01);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7C00);  // overflows to infinity
  EXPECT_EQ(f32_to_f16(-1e9f), 0xFC00);
  EXPECT_EQ(f32_to_f16(0x1p-24f), 0x0001);  // smallest subnormal
  EXPECT_EQ(f32_to_f16(0x1p-25f), 0x0000);  // tie to even: zero
  EXPECT_EQ(f32_to_f16(0x1.8p-25f), 0x0001);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f), 0x3F80);  // tie to even
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3F82);
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(std::numeric_limits<float>::quiet_NaN()))));
}

std::map<std::string, FloatTensor> sample_tensors() {
  FloatTensor a{{2, 3}, {1.0f, -2.5f, 0.125f, 3.0e-3f, 1024.0f, -0.0f}};
  FloatTensor b{{5}, {0.1f, 0.2f, 0.3f, -0.4f, 7.0f}};
  FloatTensor empty{{0, 4}, {}};
  FloatTensor scalar{{}, {42.0f}};
  return {{"a.weight", a}, {"b", b}, {"empty", empty}, {"scalar", scalar}};
}

class SafetensorsRoundTrip : public ::testing::TestWithParam<SafetensorsDtype> {};

TEST_P(SafetensorsRoundTrip, WriteThenRead) {
  test::TempDir dir;
  const auto tensors = sample_tensors();
  const SafetensorsDtype dtype = GetParam();
  ASSERT_TRUE(write_safetensors(dir / "t.safetensors", tensors, dtype, {{"format", "pt"}}).ok());
  const Result<SafetensorsFile> f = SafetensorsFile::open(dir / "t.safetensors");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(f->header().metadata.at("format"), "pt");
  EXPECT_EQ(f->header().entries.size(), tensors.size());
  EXPECT_EQ(f->header().header_bytes % 8, 0u);
  for (const auto& [name, t] : tensors) {
    const Result<FloatTensor> r = f->read(name);
    ASSERT_TRUE(r.ok()) << name;
    EXPECT_EQ(r->shape, t.shape) << name;
    ASSERT_EQ(r->data.size(), t.data.size()) << name;
    EXPECT_EQ(f->find(name)->dtype, safetensors_dtype_name(dtype));
    for (size_t i = 0; i < t.data.size(); ++i) {
      float expect = t.data[i];
      if (dtype == SafetensorsDtype::F16) expect = f16_to_f32(f32_to_f16(expect));
      if (dtype == SafetensorsDtype::BF16) expect = bf16_to_f32(f32_to_bf16(expect));
      EXPECT_EQ(std::bit_cast<uint32_t>(r->data[i]), std::bit_cast<uint32_t>(expect)) << name << "[" << i << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllDtypes, SafetensorsRoundTrip,
                         ::testing::Values(SafetensorsDtype::F32, SafetensorsDtype::F16, SafetensorsDtype::BF16),
                         [](const auto& info) { return std::string(safetensors_dtype_name(info.param)); });

TEST(Safetensors, WriterLayoutIsTheReferenceOne) {
  test::TempDir dir;
  ASSERT_TRUE(write_safetensors(dir / "t.safetensors", {{"x", FloatTensor{{3}, {1, 2, 3}}}}).ok());
  const std::string file = test::read_file(dir / "t.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  const std::string header = file.substr(8, n);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(header.find_last_not_of(' ') + 1,
            std::string(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})").size());
  EXPECT_EQ(nlohmann::json::parse(header)["x"]["data_offsets"], nlohmann::json({0, 12}));
  EXPECT_EQ(file.size(), 8 + n + 12);
  float x[3];
  std::memcpy(x, file.data() + 8 + n, 12);
  EXPECT_EQ(x[2], 3.0f);
}

TEST(Safetensors, NeverOverwritesUnlessAsked) {
  test::TempDir dir;
  const auto tensors = sample_tensors();
  ASSERT_TRUE(write_safetensors(dir / "t.safetensors", tensors).ok());
  const std::string before = test::read_file(dir / "t.safetensors");
  const Status again = write_safetensors(dir / "t.safetensors", {{"x", FloatTensor{{1}, {1}}}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::IO);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(test::read_file(dir / "t.safetensors"), before);
  ASSERT_TRUE(write_safetensors(dir / "t.safetensors", {{"x", FloatTensor{{1}, {1}}}}, SafetensorsDtype::F32, {},
                                /*overwrite=*/true)
                  .ok());
  EXPECT_NE(test::read_file(dir / "t.safetensors"), before);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(Safetensors, WriterRejectsInconsistentTensors) {
  test::TempDir dir;
  EXPECT_FALSE(write_safetensors(dir / "t.safetensors", {{"x", FloatTensor{{2, 2}, {1, 2, 3}}}}).ok());
  EXPECT_FALSE(write_safetensors(dir / "t.safetensors", {{"__metadata__", FloatTensor{{1}, {1}}}}).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "t.safetensors"));

  Result<SafetensorsWriter> w =
      SafetensorsWriter::create(dir / "s.safetensors", {{"a", {2}}, {"b", {3}}}, SafetensorsDtype::BF16);
  ASSERT_TRUE(w.ok());
  const float v[4] = {1, 2, 3, 4};
  ASSERT_TRUE(w.value().write(std::span<const float>(v, 4)).ok());  // a and part of b
  const Status early = w.value().finish();
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message.find("'b' has 2 of its 3 values"), std::string::npos) << early.error().message;
  ASSERT_TRUE(w.value().write(std::span<const float>(v, 1)).ok());
  EXPECT_FALSE(w.value().write(std::span<const float>(v, 1)).ok());  // beyond the last tensor
}

TEST(Safetensors, AbandonedWriterLeavesNothing) {
  test::TempDir dir;
  {
    Result<SafetensorsWriter> w = SafetensorsWriter::create(dir / "s.safetensors", {{"a", {4}}}, SafetensorsDtype::F32);
    ASSERT_TRUE(w.ok());
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 0);
}

const std::string kGoodHeader = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]}})";

TEST(SafetensorsBadFiles, GoodFileIsAccepted) {
  const std::string file = make_file(kGoodHeader, std::string(12, '\0'));
  EXPECT_EQ(parse_error(file), "");
  const Result<SafetensorsHeader> h = parse_safetensors_header(bytes_of(file), "x");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->entries[1].offset, 8 + kGoodHeader.size() + 8);
}

TEST(SafetensorsBadFiles, TooShortForTheLength) { expect_rejected("abc", {"too short"}); }

TEST(SafetensorsBadFiles, HeaderLengthLargerThanFile) {
  expect_rejected(make_file(kGoodHeader, std::string(12, '\0'), kGoodHeader.size() + 13), {"larger than the file"});
}

TEST(SafetensorsBadFiles, HeaderLengthAboveTheLimit) {
  expect_rejected(make_file(kGoodHeader, "", uint64_t{1} << 40), {"exceeds the limit"});
}

TEST(SafetensorsBadFiles, HeaderNotJson) {
  expect_rejected(make_file("{\"a\": [1, 2", ""), {"not valid JSON"});
  expect_rejected(make_file("[1, 2]  ", ""), {"must start with '{'"});
  expect_rejected(make_file("{} trailing", ""), {"not valid JSON"});
}

TEST(SafetensorsBadFiles, UnknownDtype) {
  expect_rejected(make_file(R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0')),
                  {"tensor 'w'", "unknown dtype \"F33\""});
}

TEST(SafetensorsBadFiles, MalformedEntries) {
  expect_rejected(make_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", std::string(8, '\0')),
                  {"tensor 'w'", "non-negative"});
  expect_rejected(make_file(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", std::string(8, '\0')),
                  {"tensor 'w'", "shape"});
  expect_rejected(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", std::string(8, '\0')),
                  {"tensor 'w'", "data_offsets"});
  expect_rejected(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", std::string(8, '\0')),
                  {"tensor 'w'", "begin 8 > end 0"});
  expect_rejected(make_file(R"({"w":3})", ""), {"tensor 'w'", "not a JSON object"});
  expect_rejected(make_file(R"({"__metadata__":{"k":1}})", ""), {"__metadata__"});
  expect_rejected(make_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", ""),
                  {"tensor 'w'", "too many elements"});
}

TEST(SafetensorsBadFiles, SizeDisagreesWithShape) {
  expect_rejected(make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
                  {"tensor 'w'", "hold 8 bytes", "need 12"});
}

TEST(SafetensorsBadFiles, OffsetsOutOfBoundsOrTruncated) {
  expect_rejected(make_file(kGoodHeader, std::string(10, '\0')), {"tensor 'b'", "beyond the data buffer", "truncated"});
  expect_rejected(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[100,108]}})", std::string(8, '\0')),
                  {"tensor 'w'", "beyond the data buffer"});
}

TEST(SafetensorsBadFiles, OverlapsHolesAndTrailingBytes) {
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                            std::string(8, '\0')),
                  {"overlaps"});
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, '\0')),
                  {"hole of 4 bytes", "'a'"});
  expect_rejected(make_file(kGoodHeader, std::string(16, '\0')), {"4 bytes after the last tensor"});
}

TEST(SafetensorsBadFiles, DuplicateTensorName) {
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                            std::string(8, '\0')),
                  {"'a' appears twice"});
}

TEST(SafetensorsBadFiles, UnsupportedDtypeIsReadableHeaderButNotFloat) {
  test::TempDir dir;
  test::write_file(dir / "i.safetensors",
                   make_file(R"({"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", std::string(8, '\0')));
  const Result<SafetensorsFile> f = SafetensorsFile::open(dir / "i.safetensors");
  ASSERT_TRUE(f.ok());
  const Result<FloatTensor> t = f->read("i");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("I64"), std::string::npos);
  EXPECT_FALSE(f->read("nothing").ok());
}

TEST(SafetensorsBadFiles, MissingOrEmptyFile) {
  test::TempDir dir;
  const Result<SafetensorsFile> missing = SafetensorsFile::open(dir / "none.safetensors");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), ErrorCode::IO);
  test::write_file(dir / "empty.safetensors", "");
  const Result<SafetensorsFile> empty = SafetensorsFile::open(dir / "empty.safetensors");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(empty.error().message.find("empty.safetensors"), std::string::npos);
}

TEST(SafetensorsBadFiles, EveryTruncationOfAGoodFileIsRejected) {
  test::TempDir dir;
  ASSERT_TRUE(write_safetensors(dir / "t.safetensors", sample_tensors()).ok());
  const std::string good = test::read_file(dir / "t.safetensors");
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_NE(parse_error(good.substr(0, n)), "") << "accepted the first " << n << " bytes";
  }
}

}  // namespace
}  // namespace zklora
