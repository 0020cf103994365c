#include "fanyi_language_id.h"

#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cstring>
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

int fanyi_identify_language(const char *text, int length, fanyi_language_guess guesses[3], int *reliable) {
    CLD2::CLDHints hints = {nullptr, "", CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language languages[3];
    int percents[3] = {0, 0, 0};
    double scores[3];
    int textBytes = 0, validBytes = 0;
    bool isReliable = false;
    CLD2::ExtDetectLanguageSummaryCheckUTF8(text, length, true, &hints, CLD2::kCLDFlagBestEffort, languages, percents, scores,
                                            nullptr, &textBytes, &isReliable, &validBytes);
    *reliable = isReliable ? 1 : 0;
    int found = 0;
    for (int i = 0; i < 3; i++) {
        if (languages[i] == CLD2::UNKNOWN_LANGUAGE || languages[i] == CLD2::TG_UNKNOWN_LANGUAGE || percents[i] <= 0) continue;
        const char *code = CLD2::LanguageCode(languages[i]);
        if (code == nullptr || std::strlen(code) >= sizeof(guesses[found].code)) continue;
        std::strcpy(guesses[found].code, code);
        guesses[found].percent = percents[i];
        found++;
    }
    return found;
}
