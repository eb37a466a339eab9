#pragma once
// Reads a golden vector from tests/vectors/ (natively from disk, under node through NODERAWFS).

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ucs::test {

inline std::string read_vector(const std::string& name) {
    const std::string path = std::string(UCS_TEST_VECTORS_DIR) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open golden vector " + path);
    std::ostringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
    return content;
}

}  // namespace ucs::test
