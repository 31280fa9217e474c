// The xl.cfg language: values, lists, comments, separators, +=, and line-accurate errors.
#include "toolstack/cfg_file.h"

#include <catch2/catch.hpp>

using namespace tessera::toolstack;

namespace {

CfgFile parse_ok(std::string_view text) {
    auto f = CfgFile::parse(text, "t.cfg");
    INFO(text);
    REQUIRE(f.has_value());
    return std::move(*f);
}

std::string parse_error(std::string_view text) {
    auto f = CfgFile::parse(text, "t.cfg");
    INFO(text);
    REQUIRE_FALSE(f.has_value());
    return f.error().message;
}

std::vector<std::string> atoms(const CfgValue& v) {
    std::vector<std::string> out;
    for (const CfgValue& item : v.list()) out.push_back(item.atom());
    return out;
}

}  // namespace

TEST_CASE("cfg: atoms, quotes and numbers") {
    auto f = parse_ok("name = \"domU\"\nkernel='/boot/Image'\nmemory = 256\nhex=0x1f\n");
    REQUIRE(f.find("name")->value.atom() == "domU");
    REQUIRE(f.find("kernel")->value.atom() == "/boot/Image");
    REQUIRE(f.find("memory")->value.atom() == "256");
    REQUIRE(f.find("hex")->value.atom() == "0x1f");
    REQUIRE(f.find("missing") == nullptr);
    REQUIRE(f.settings().size() == 4);
}

TEST_CASE("cfg: escapes in strings") {
    auto f = parse_ok(R"(a = "x\"y\\z\n\t\x41\101" ; b = 'it\'s')");
    REQUIRE(f.find("a")->value.atom() == "x\"y\\z\n\tAA");
    REQUIRE(f.find("b")->value.atom() == "it's");
    REQUIRE(parse_error(R"(a = "\q")") ==
            "t.cfg:1: invalid character 'q' after backslash in quoted string");
    REQUIRE(parse_error("a = \"\\x4\"").find("two hex digits") != std::string::npos);
}

TEST_CASE("cfg: comments, blank lines, semicolons and a last line without newline") {
    auto f = parse_ok("# header\n\n  a = 1 # trailing comment\n; b = 2; c = 3\nd = 'x'");
    REQUIRE(f.find("a")->value.atom() == "1");
    REQUIRE(f.find("b")->value.atom() == "2");
    REQUIRE(f.find("c")->value.atom() == "3");
    REQUIRE(f.find("d")->value.atom() == "x");
    REQUIRE(f.find("d")->value.where.line == 5);
}

TEST_CASE("cfg: lists over several lines, trailing commas, empty and nested lists") {
    auto f = parse_ok(
        "disk = [\n"
        "   'a',\n"
        "   'b'   ,\n"
        "]\n"
        "vif = [ '' ]\n"
        "none = [ ]\n"
        "nested = [ ['x', 'y'], 'z' ]\n");
    REQUIRE(atoms(f.find("disk")->value) == std::vector<std::string>{"a", "b"});
    REQUIRE(f.find("disk")->value.where.line == 1);
    REQUIRE(f.find("disk")->value.list()[1].where.line == 3);
    REQUIRE(atoms(f.find("vif")->value) == std::vector<std::string>{""});
    REQUIRE(f.find("none")->value.list().empty());
    const auto& nested = f.find("nested")->value.list();
    REQUIRE(nested.size() == 2);
    REQUIRE(atoms(nested[0]) == std::vector<std::string>{"x", "y"});
    REQUIRE(nested[1].atom() == "z");
}

TEST_CASE("cfg: the last assignment wins, += concatenates") {
    auto f = parse_ok("a = 'x'\na = 'y'\ns = 'ab'\ns += 'cd'\nl = ['1']\nl += ['2', '3']\n");
    REQUIRE(f.find("a")->value.atom() == "y");
    REQUIRE(f.find("s")->value.atom() == "abcd");
    REQUIRE(f.find("s")->appended);
    REQUIRE(atoms(f.find("l")->value) == std::vector<std::string>{"1", "2", "3"});
    REQUIRE(f.settings().size() == 3);
    REQUIRE(parse_error("a = 'x'\na += ['y']\n") ==
            "t.cfg:2: a: can't add a list to a string or a string to a list");
}

TEST_CASE("cfg: merge applies command-line settings over the file") {
    auto f = parse_ok("memory = 256\nextra = 'console=hvc0'\n");
    REQUIRE(f.merge("memory=512", "command line").has_value());
    REQUIRE(f.merge("extra+=' quiet'", "command line").has_value());
    REQUIRE(f.find("memory")->value.atom() == "512");
    REQUIRE(f.find("memory")->value.where.str() == "command line:1");
    REQUIRE(f.find("extra")->value.atom() == "console=hvc0 quiet");
}

TEST_CASE("cfg: syntax errors name the file and line") {
    REQUIRE(parse_error("a = 1\nb 2\n") ==
            "t.cfg:2: syntax error near \"2\": expected '=' after \"b\"");
    REQUIRE(
        parse_error("a = 1 b = 2\n") ==
        "t.cfg:1: syntax error near \"b\": expected end of line or ';' after the value of \"a\"");
    REQUIRE(parse_error("\n\ndisk = [ 'a'\n 'b' ]\n") ==
            "t.cfg:4: syntax error near \"b\": expected ',' or ']' in list");
    REQUIRE(parse_error("x = [ 'a', ,]") ==
            "t.cfg:1: syntax error near \",\": expected a string, a number or '['");
    REQUIRE(parse_error("a = \n") ==
            "t.cfg:1: syntax error near end of line: expected a string, a number or '['");
    REQUIRE(parse_error("a = 'open\n") == "t.cfg:1: unterminated string");
    REQUIRE(parse_error("Name = 'x'") ==
            "t.cfg:1: syntax error near \"Name\": unexpected character");
    REQUIRE(parse_error("a = [ 'x'") ==
            "t.cfg:1: syntax error near end of file: expected ',' or ']' in list");
}

TEST_CASE("cfg: Python-looking files get a hint") {
    auto msg = parse_error("memory = 256\nvif = ['bridge=xenbr0'] + extra()\n");
    REQUIRE(msg.starts_with("t.cfg:2: syntax error near \"+\""));
    REQUIRE(msg.find("Python") != std::string::npos);
}
