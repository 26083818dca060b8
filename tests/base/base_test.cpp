// Errors, Result<T>, and the chunked parallel loops.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"

namespace zklora {
namespace {

TEST(Error, ExitCodesSeparateRejectedProofsFromBadInput) {
  EXPECT_EQ(exit_code_for(ErrorCode::PROOF_REJECTED), 1);
  EXPECT_EQ(exit_code_for(ErrorCode::TRUNCATED_PROOF), 1);
  EXPECT_EQ(exit_code_for(ErrorCode::INVALID_ARGUMENT), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::NON_CANONICAL_FIELD), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::IO), 2);
}

TEST(Error, MessageNamesTheCode) {
  const Error e{ErrorCode::POINT_NOT_ON_CURVE, "commitment 3"};
  EXPECT_EQ(e.to_string(), "POINT_NOT_ON_CURVE: commitment 3");
  EXPECT_STREQ(ZkError(e).what(), "POINT_NOT_ON_CURVE: commitment 3");
}

TEST(Result, HoldsAValueOrATypedError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 7);
  EXPECT_EQ(*good, 7);

  Result<int> bad = make_error(ErrorCode::OUT_OF_RANGE, "too big");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), ErrorCode::OUT_OF_RANGE);
  try {
    (void)bad.value();
    FAIL() << "value() of an error must throw";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
  }

  Status ok;
  EXPECT_TRUE(ok.ok());
  Status failed = make_error(ErrorCode::PROOF_REJECTED, "x");
  EXPECT_FALSE(failed.ok());
  EXPECT_THROW(failed.value(), ZkError);
}

TEST(Threads, ChunkRangesPartitionTheInterval) {
  for (size_t n : {0, 1, 7, 100, 1001}) {
    for (size_t chunks : {1, 2, 3, 8}) {
      size_t next = 0;
      for (size_t c = 0; c < chunks; ++c) {
        const ChunkRange r = chunk_range(n, chunks, c);
        EXPECT_EQ(r.begin, next);
        EXPECT_LE(r.end - r.begin, n / chunks + 1);
        next = r.end;
      }
      EXPECT_EQ(next, n);
    }
  }
}

TEST(Threads, ParallelForVisitsEveryIndexOnce) {
  for (const int threads : {1, 2, 4}) {
    std::vector<std::atomic<int>> hits(10007);
    parallel_for(hits.size(), threads, [&](size_t i) { hits[i].fetch_add(1); });
    for (const auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(Threads, DefaultCanBeOverridden) {
  set_default_threads(3);
  EXPECT_EQ(default_threads(), 3);
  EXPECT_EQ(resolve_threads(0), 3);
  EXPECT_EQ(resolve_threads(5), 5);
  set_default_threads(0);
  EXPECT_GE(default_threads(), 1);
}

}  // namespace
}  // namespace zklora

namespace zklora {
namespace {

TEST(Threads, ExceptionsInsideParallelLoopsReachTheCaller) {
  for (const int threads : {1, 2}) {
    try {
      parallel_for(1000, threads, [](size_t i) {
        if (i == 777) throw ZkError(ErrorCode::OUT_OF_RANGE, "element 777");
      });
      FAIL() << "expected the exception";
    } catch (const ZkError& e) {
      EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
    }
  }
}

}  // namespace
}  // namespace zklora
