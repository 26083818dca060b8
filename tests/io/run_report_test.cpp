// report.json and report.svg: the JSON round trip, handcrafted bad reports rejected with INVALID_ARGUMENT, and
// the plot well-formed for 0, 1 and hundreds of steps, equal values and non-finite values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "zklora/io/run_files.h"
#include "zklora/io/run_report.h"

namespace zklora {
namespace {

std::vector<StepReport> make_steps(int64_t n) {
  std::vector<StepReport> steps;
  for (int64_t t = 1; t <= n; ++t) {
    StepReport s;
    s.step = t;
    s.loss = 4.0 / (1.0 + 0.01 * static_cast<double>(t)) + 0.013 * static_cast<double>(t % 7);
    s.tokens = 512 + t;
    s.witness_s = 0.125 * static_cast<double>(t);
    s.commit_s = 1.0 / 3.0;
    s.prove_s = 12.5 + std::sin(static_cast<double>(t));
    s.proof_bytes = 1'000'000 + 17 * t;
    s.peak_rss_mb = 2048.75;
    steps.push_back(s);
  }
  return steps;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// What every report.svg satisfies.
void expect_well_formed(const std::string& svg, const std::string& title) {
  ASSERT_GE(svg.size(), 12u);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<svg"), 1u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_LE(count(svg, "<polyline"), 1u);
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_EQ(count(svg, "<"), count(svg, ">"));
  EXPECT_NE(svg.find(title), std::string::npos);
  for (const char* bad : {"nan", "NaN", "NAN", "inf", "Inf", "INF", "<script", "href", "@import"}) {
    EXPECT_EQ(svg.find(bad), std::string::npos) << bad;
  }
}

TEST(RunReportJson, RoundTripKeepsEveryValue) {
  const auto steps = make_steps(5);
  const std::string text = report_json(steps);
  EXPECT_EQ(text.back(), '\n');
  auto parsed = parse_report_json(text, "report.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  ASSERT_EQ(parsed->size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepReport& a = steps[i];
    const StepReport& b = (*parsed)[i];
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.loss, b.loss);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.witness_s, b.witness_s);
    EXPECT_EQ(a.commit_s, b.commit_s);
    EXPECT_EQ(a.prove_s, b.prove_s);
    EXPECT_EQ(a.proof_bytes, b.proof_bytes);
    EXPECT_EQ(a.peak_rss_mb, b.peak_rss_mb);
  }
}

TEST(RunReportJson, RoundTripThroughTheRunFile) {
  test::TempDir dir;
  const auto steps = make_steps(3);
  test::write_file(dir / kRunReportFile, report_json(steps));
  auto parsed = parse_report_json(test::read_file(dir / kRunReportFile), kRunReportFile);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(parsed->size(), 3u);
  EXPECT_EQ(report_json(*parsed), report_json(steps));
}

TEST(RunReportJson, EmptyAndNonFiniteValues) {
  auto empty = parse_report_json(report_json({}), "report.json");
  ASSERT_TRUE(empty.ok()) << empty.error().to_string();
  EXPECT_TRUE(empty->empty());

  auto steps = make_steps(2);
  steps[0].loss = std::numeric_limits<double>::quiet_NaN();
  steps[1].prove_s = std::numeric_limits<double>::infinity();
  const std::string text = report_json(steps);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  auto parsed = parse_report_json(text, "report.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_TRUE(std::isnan((*parsed)[0].loss));
  EXPECT_TRUE(std::isnan((*parsed)[1].prove_s));
  EXPECT_EQ((*parsed)[1].loss, steps[1].loss);
}

TEST(RunReportJson, MalformedReportsAreRejected) {
  const std::string one =
      R"({"step": 1, "loss": 2.5, "tokens": 8, "witness_s": 0.1, "commit_s": 0.2, "prove_s": 0.3,
          "proof_bytes": 100, "peak_rss_mb": 5})";
  const std::string two =
      R"({"step": 2, "loss": 2.4, "tokens": 8, "witness_s": 0.1, "commit_s": 0.2, "prove_s": 0.3,
          "proof_bytes": 100, "peak_rss_mb": 5})";
  ASSERT_TRUE(parse_report_json(R"({"steps": [)" + one + "," + two + "]}", "r.json").ok());

  const auto replace = [](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not JSON", "this is not json {"},
      {"truncated", R"({"steps": [)" + one},
      {"not an object", "[1, 2, 3]"},
      {"no steps", R"({"runs": []})"},
      {"steps not a list", R"({"steps": 3})"},
      {"step not an object", R"({"steps": [7]})"},
      {"missing field", R"({"steps": [)" + replace(one, R"("tokens": 8, )", "") + "]}"},
      {"string for a number", R"({"steps": [)" + replace(one, R"("loss": 2.5)", R"("loss": "2.5")") + "]}"},
      {"string for a count", R"({"steps": [)" + replace(one, R"("tokens": 8)", R"("tokens": "8")") + "]}"},
      {"real for a count", R"({"steps": [)" + replace(one, R"("proof_bytes": 100)", R"("proof_bytes": 1.5)") + "]}"},
      {"negative count", R"({"steps": [)" + replace(one, R"("tokens": 8)", R"("tokens": -8)") + "]}"},
      {"out of order", R"({"steps": [)" + two + "," + one + "]}"},
      {"not starting at 1", R"({"steps": [)" + two + "]}"},
      {"repeated step", R"({"steps": [)" + one + "," + one + "]}"},
  };
  for (const auto& [name, text] : cases) {
    auto r = parse_report_json(text, "bad-report.json");
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.code(), ErrorCode::INVALID_ARGUMENT) << name;
    EXPECT_NE(r.error().message.find("bad-report.json"), std::string::npos) << name << ": " << r.error().message;
  }
}

TEST(RunReportSvg, NoStepsSaysSo) {
  const std::string svg = report_svg({}, "empty run");
  expect_well_formed(svg, "empty run");
  EXPECT_NE(svg.find("no steps yet"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 0u);
}

TEST(RunReportSvg, OneStep) {
  const auto steps = make_steps(1);
  const std::string svg = report_svg(steps, "one step");
  expect_well_formed(svg, "one step");
  EXPECT_EQ(count(svg, "<circle"), 1u);
  EXPECT_NE(svg.find("step"), std::string::npos);
}

TEST(RunReportSvg, HundredsOfStepsThinMarkers) {
  const auto steps = make_steps(300);
  const std::string svg = report_svg(steps, "tiny-llama qv-sgd");
  expect_well_formed(svg, "tiny-llama qv-sgd");
  EXPECT_EQ(count(svg, "<polyline"), 1u);
  EXPECT_LE(count(svg, "<circle"), 80u);
  EXPECT_GE(count(svg, "<rect"), 300u);  // one bar per step, plus the background
}

TEST(RunReportSvg, EqualValuesDrawAFlatLine) {
  auto steps = make_steps(10);
  for (StepReport& s : steps) {
    s.loss = 2.0;
    s.prove_s = 0;
  }
  expect_well_formed(report_svg(steps, "flat"), "flat");
  for (StepReport& s : steps) s.loss = 0;
  expect_well_formed(report_svg(steps, "zero"), "zero");
}

TEST(RunReportSvg, NonFiniteValuesAreSkipped) {
  auto steps = make_steps(6);
  steps[1].loss = std::numeric_limits<double>::quiet_NaN();
  steps[2].loss = std::numeric_limits<double>::infinity();
  steps[3].prove_s = -std::numeric_limits<double>::infinity();
  steps[4].prove_s = std::numeric_limits<double>::quiet_NaN();
  const std::string svg = report_svg(steps, "gaps");
  expect_well_formed(svg, "gaps");
  EXPECT_EQ(count(svg, "<circle"), 4u);

  for (StepReport& s : steps) s.loss = s.prove_s = std::numeric_limits<double>::quiet_NaN();
  const std::string none = report_svg(steps, "all missing");
  expect_well_formed(none, "all missing");
  EXPECT_EQ(count(none, "<polyline"), 0u);
}

TEST(RunReportSvg, TitleIsEscaped) {
  const std::string svg = report_svg(make_steps(2), "a <b> & \"c\"");
  expect_well_formed(svg, "a &lt;b&gt; &amp; &quot;c&quot;");
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
}

}  // namespace
}  // namespace zklora
