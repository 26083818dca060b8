// The project's built-in corpus: simple English sentences generated from a small grammar by a seeded
// SplitMix64 stream, so that the text is original, reproducible from this source alone, and regular enough that
// a model of about a million parameters visibly learns it in a few dozen steps (subject-verb agreement,
// counting, days and months in order, sums of small numbers, questions answered by copying their subject).
//
// The tiny model's tokenizer is trained on it (init_model.h), and data/corpus.txt is a committed copy of
// builtin_corpus() for training runs and float references (a test checks that the two agree).
#pragma once

#include <string>

namespace zklora {

// One example per line, each line ending in '\n'; about 120 KB, ASCII only.
std::string builtin_corpus();

}  // namespace zklora
