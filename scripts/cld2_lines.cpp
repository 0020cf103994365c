// Reads lines of UTF-8 text on stdin and writes, per line, the language CLD2 gives it (primary
// subtag, "-" for none) and whether CLD2 calls that reliable (1/0), tab-separated. Used by
// scripts/prepare_pairs.py to find segments left in the wrong language.
#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <iostream>
#include <string>

int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        bool reliable = false;
        CLD2::Language languages[3];
        int percents[3], bytes;
        CLD2::Language best = CLD2::ExtDetectLanguageSummary(line.data(), (int)line.size(), true, languages, percents, &bytes, &reliable);
        std::string code = best == CLD2::UNKNOWN_LANGUAGE ? "-" : CLD2::LanguageCode(best);
        code = code.substr(0, code.find_first_of("-_"));
        std::cout << code << '\t' << (reliable ? 1 : 0) << '\n';
    }
    return 0;
}
