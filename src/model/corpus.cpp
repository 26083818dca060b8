// The grammar of the built-in corpus (corpus.h). Each line is one instance of a template chosen at random;
// templates and word lists are fixed here, so changing either changes data/corpus.txt and the tiny tokenizer
// (the corpus test says how to regenerate the committed copy).
#include "zklora/model/corpus.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "zklora/model/deterministic_rng.h"

namespace zklora {
namespace {

constexpr uint64_t kCorpusSeed = 0x7A6B6C6F72614331ULL;
constexpr size_t kCorpusBytes = 120000;

constexpr std::array<std::string_view, 16> kNames = {"Alice", "Bob",   "Carol", "Dave", "Emma", "Frank",
                                                     "Grace", "Henry", "Ivy",   "Jack", "Kate", "Leo",
                                                     "Mia",   "Noah",  "Olive", "Paul"};
// Singular and plural forms.
constexpr std::array<std::array<std::string_view, 2>, 12> kAnimals = {{{"cat", "cats"},
                                                                       {"dog", "dogs"},
                                                                       {"bird", "birds"},
                                                                       {"fox", "foxes"},
                                                                       {"horse", "horses"},
                                                                       {"cow", "cows"},
                                                                       {"duck", "ducks"},
                                                                       {"goat", "goats"},
                                                                       {"mouse", "mice"},
                                                                       {"rabbit", "rabbits"},
                                                                       {"frog", "frogs"},
                                                                       {"bear", "bears"}}};
constexpr std::array<std::array<std::string_view, 2>, 14> kThings = {{{"ball", "balls"},
                                                                      {"box", "boxes"},
                                                                      {"book", "books"},
                                                                      {"cup", "cups"},
                                                                      {"hat", "hats"},
                                                                      {"key", "keys"},
                                                                      {"lamp", "lamps"},
                                                                      {"chair", "chairs"},
                                                                      {"table", "tables"},
                                                                      {"basket", "baskets"},
                                                                      {"kite", "kites"},
                                                                      {"apple", "apples"},
                                                                      {"stone", "stones"},
                                                                      {"shell", "shells"}}};
constexpr std::array<std::string_view, 12> kAdjectives = {"red",   "blue", "green", "yellow", "black", "white",
                                                          "small", "big",  "old",   "young",  "happy", "quiet"};
// Third person singular and plural forms.
constexpr std::array<std::array<std::string_view, 2>, 10> kVerbs = {{{"sees", "see"},
                                                                     {"likes", "like"},
                                                                     {"finds", "find"},
                                                                     {"chases", "chase"},
                                                                     {"follows", "follow"},
                                                                     {"watches", "watch"},
                                                                     {"carries", "carry"},
                                                                     {"wants", "want"},
                                                                     {"pushes", "push"},
                                                                     {"hides", "hide"}}};
constexpr std::array<std::string_view, 8> kPlaces = {"in the garden",  "on the hill",      "by the river",
                                                     "near the house", "under the bridge", "in the forest",
                                                     "at the farm",    "in the park"};
constexpr std::array<std::string_view, 7> kPrepositions = {"on", "under", "near", "behind", "beside", "in", "by"};
constexpr std::array<std::string_view, 7> kDestinations = {"school",   "the market", "the river",  "the farm",
                                                           "the park", "the beach",  "the library"};
constexpr std::array<std::string_view, 13> kNumbers = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                                                       "seven", "eight", "nine", "ten",   "eleven", "twelve"};
constexpr std::array<std::string_view, 7> kDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                   "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonths = {"January",   "February", "March",    "April",
                                                      "May",       "June",     "July",     "August",
                                                      "September", "October",  "November", "December"};
constexpr std::array<std::string_view, 12> kFacts = {"The sun is hot.",
                                                     "Snow is white and cold.",
                                                     "Grass is green.",
                                                     "The sky is blue.",
                                                     "Fish swim in the water.",
                                                     "Birds fly in the sky.",
                                                     "Cows give milk.",
                                                     "Bees make honey.",
                                                     "Ice melts in the sun.",
                                                     "The moon shines at night.",
                                                     "Rain falls from the clouds.",
                                                     "Trees grow from seeds."};

class Writer {
 public:
  explicit Writer(uint64_t seed) : rng_(seed) {}
  template <class A>
  const auto& pick(const A& a) {
    return a[rng_.below(a.size())];
  }
  uint64_t below(uint64_t n) { return rng_.below(n); }
  bool coin() { return rng_.below(2) == 1; }
  // Two different names.
  std::pair<std::string_view, std::string_view> two_names() {
    const uint64_t a = rng_.below(kNames.size());
    const uint64_t b = (a + 1 + rng_.below(kNames.size() - 1)) % kNames.size();
    return {kNames[a], kNames[b]};
  }

 private:
  SplitMix64 rng_;
};

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) out += p;
  return out;
}

// One line of the corpus (without its newline).
std::string make_line(Writer& w) {
  switch (w.below(10)) {
    case 0: {  // subject-verb agreement, optional place
      const bool plural = w.coin();
      const auto& animal = w.pick(kAnimals);
      const auto& verb = w.pick(kVerbs);
      std::string s = cat({"The ", w.pick(kAdjectives), " ", animal[plural], " ", verb[plural], " the ",
                           w.pick(kAdjectives), " ", w.pick(kThings)[0]});
      if (w.coin()) s += cat({" ", w.pick(kPlaces)});
      return s + ".";
    }
    case 1: {  // possession with a number that agrees
      const uint64_t n = 1 + w.below(12);
      const auto& thing = w.pick(kThings);
      return cat({w.pick(kNames), " has ", kNumbers[n], " ", thing[n == 1 ? 0 : 1], "."});
    }
    case 2: {  // counting up from a random start
      const uint64_t start = 1 + w.below(6);
      const uint64_t len = 3 + w.below(5);
      std::string s = capitalized(kNumbers[start]);
      for (uint64_t k = 1; k < len; ++k) s += cat({", ", kNumbers[start + k]});
      return s + ".";
    }
    case 3: {  // days and months in order
      if (w.coin()) {
        const uint64_t d = w.below(kDays.size());
        return cat({"After ", kDays[d], " comes ", kDays[(d + 1) % kDays.size()], "."});
      }
      const uint64_t m = w.below(kMonths.size());
      return cat({"After ", kMonths[m], " comes ", kMonths[(m + 1) % kMonths.size()], "."});
    }
    case 4: {  // sums up to twelve
      const uint64_t a = w.below(7);
      const uint64_t b = w.below(13 - a);
      return cat({capitalized(kNumbers[a]), " plus ", kNumbers[b], " is ", kNumbers[a + b], "."});
    }
    case 5: {  // a question answered by copying its subject
      const auto& animal = w.pick(kAnimals)[0];
      return cat(
          {"Where is the ", animal, "? The ", animal, " is ", w.pick(kPrepositions), " the ", w.pick(kThings)[0], "."});
    }
    case 6:  // fixed facts, repeated
      return std::string(w.pick(kFacts));
    case 7: {  // two people going somewhere on a day
      const auto [a, b] = w.two_names();
      return cat({a, " and ", b, " walk to ", w.pick(kDestinations), " on ", w.pick(kDays), "."});
    }
    case 8: {  // a giver, a receiver and a pronoun-free follow-up
      const auto [a, b] = w.two_names();
      const auto& thing = w.pick(kThings);
      return cat(
          {a, " gives the ", w.pick(kAdjectives), " ", thing[0], " to ", b, ". Now ", b, " has the ", thing[0], "."});
    }
    default: {  // colour statements with a name; the first six adjectives are colours
      return cat({w.pick(kNames), " paints the ", w.pick(kThings)[0], " ", kAdjectives[w.below(6)], " ",
                  w.pick(kPlaces), "."});
    }
  }
}

}  // namespace

std::string builtin_corpus() {
  Writer w(kCorpusSeed);
  std::string out;
  out.reserve(kCorpusBytes + 128);
  while (out.size() < kCorpusBytes) {
    out += make_line(w);
    out += '\n';
  }
  return out;
}

}  // namespace zklora
