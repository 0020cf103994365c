// CLD2 (Chrome's language identifier, Debian libcld2-dev) behind a C interface of plain types:
// CLD2's own API is C++.
#ifndef FANYI_LANGUAGE_ID_H
#define FANYI_LANGUAGE_ID_H

#ifdef __cplusplus
extern "C" {
#endif

/// One language CLD2 found: its code (ISO 639-1 where there is one, e.g. "en", "zh", "zh-Hant")
/// and the share of the text's letters it gave that language, 0–100.
typedef struct {
    char code[16];
    int percent;
} fanyi_language_guess;

/// Identifies the languages of UTF-8 text, best first, into guesses[0..<3]; returns how many were
/// found (0 when CLD2 knows none, or the text is not valid UTF-8). `reliable` is CLD2's own
/// verdict. Best effort: short text gets an answer too, unreliable as it may be.
int fanyi_identify_language(const char *text, int length, fanyi_language_guess guesses[3], int *reliable);

#ifdef __cplusplus
}
#endif
#endif
