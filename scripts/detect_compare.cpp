// Reads lines of text on stdin and writes, per line, the language CLD2 (as it is, and with its
// best-effort flag) and libexttextcat give it (primary subtag, or "-" for none), and CLD2's
// best-effort top three: the measurement behind Fanyi's choice of
// identifier (scripts/measure-detection.sh). Not part of Fanyi itself.
#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <libexttextcat/textcat.h>
#include <iostream>
#include <string>


static std::string primary(const std::string& code) {
    std::string out;
    for (char c : code) {
        if (c == '-' || c == '_') break;
        out += c;
    }
    return out.empty() ? "-" : out;
}

int main(int argc, char** argv) {
    // The fingerprint files are named relative to the configuration file's folder.
    void* textcat = special_textcat_Init("/usr/share/libexttextcat/fpdb.conf", "/usr/share/libexttextcat/");
    if (!textcat) { std::cerr << "textcat_Init failed\n"; return 1; }
    std::string line;
    while (std::getline(std::cin, line)) {
        bool reliable = false;
        CLD2::Language languages[3];
        int percents[3], bytes;
        CLD2::Language best = CLD2::ExtDetectLanguageSummary(line.data(), (int)line.size(), true, languages, percents, &bytes, &reliable);
        std::string cld2 = best == CLD2::UNKNOWN_LANGUAGE ? "-" : primary(CLD2::LanguageCode(best));
        // The same with kCLDFlagBestEffort: an answer even for text too short to be reliable.
        CLD2::CLDHints hints = {nullptr, "", CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
        double scores[3];
        CLD2::Language effort = CLD2::ExtDetectLanguageSummary(line.data(), (int)line.size(), true, &hints, CLD2::kCLDFlagBestEffort,
                                                               languages, percents, scores, nullptr, &bytes, &reliable);
        std::string cld2Effort = effort == CLD2::UNKNOWN_LANGUAGE ? "-" : primary(CLD2::LanguageCode(effort));
        std::string top3;
        for (int i = 0; i < 3; i++) {
            if (languages[i] == CLD2::UNKNOWN_LANGUAGE) continue;
            top3 += (top3.empty() ? "" : ",") + primary(CLD2::LanguageCode(languages[i]));
        }
        if (top3.empty()) top3 = "-";
        // textcat answers "[en--utf8][de--utf8]", "SHORT" or "UNKNOWN".
        std::string result = textcat_Classify(textcat, line.data(), line.size());
        std::string tc = "-";
        if (!result.empty() && result[0] == '[') tc = primary(result.substr(1, result.find(']') - 1));
        std::cout << cld2 << '\t' << cld2Effort << '\t' << tc << '\t' << top3 << '\n';
    }
    textcat_Done(textcat);
    return 0;
}
